// Zero-copy sending of frame payloads: see zero_copy.hpp.
#include "outbox/zero_copy.hpp"

#include "media/frame.hpp"

#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace camstream {

namespace {

// A frame larger than a pipe may grow to without privileges (fs.pipe-max-size,
// 1 MiB by default) is sent from memory.
constexpr std::size_t kMaxPipeBytes = 1 << 20;

}  // namespace

int make_wire_pipe(const Frame& frame) {
    const auto size = frame.wire_size();
    if (size > kMaxPipeBytes) return -1;
    std::array<int, 2> fds{};
    if (pipe2(fds.data(), O_CLOEXEC | O_NONBLOCK) != 0) return -1;
    // Sized to the frame (the kernel rounds up to a power of two pages), so the
    // pipes of the frames alive at once stay well inside the per-user pipe quota.
    bool ok = fcntl(fds[1], F_SETPIPE_SZ, static_cast<int>(size)) >= 0;
    if (ok) {
        std::array<iovec, 2> parts{
            iovec{const_cast<std::uint8_t*>(frame.wire_header.data()), frame.wire_header.size()},
            iovec{const_cast<std::uint8_t*>(frame.payload().data()), frame.payload().size()}};
        // One writev into an empty pipe sized for it is never short.
        ok = writev(fds[1], parts.data(), static_cast<int>(parts.size())) == static_cast<ssize_t>(size);
    }
    ::close(fds[1]);
    if (!ok) {
        ::close(fds[0]);
        return -1;
    }
    return fds[0];
}

FrameSplicer::FrameSplicer() {
    int error = 0;
    if (pipe2(pipe_.data(), O_CLOEXEC | O_NONBLOCK) != 0) {
        error = errno;
    } else if (fcntl(pipe_[1], F_SETPIPE_SZ, static_cast<int>(kMaxPipeBytes)) < 0) {
        // Room for the largest frame that gets a pipe: tee() must take a frame whole.
        error = errno;
        close_pipe();
    }
    if (error == 0 && (null_fd_ = open("/dev/null", O_WRONLY | O_CLOEXEC)) < 0) error = errno;
    if (error != 0) {
        spdlog::warn("zero-copy fan-out unavailable ({}): frames are copied to each viewer instead",
                     std::strerror(error));
    }
}

FrameSplicer::~FrameSplicer() {
    close_pipe();
    if (null_fd_ >= 0) ::close(null_fd_);
}

void FrameSplicer::close_pipe() {
    for (auto& fd : pipe_) {
        if (fd >= 0) ::close(fd);
        fd = -1;
    }
}

// Drops what the socket did not take (libuv sends the rest from memory), so
// the next send starts from an empty pipe.
void FrameSplicer::discard(std::size_t bytes) {
    while (bytes > 0) {
        const auto n = splice(pipe_[0], nullptr, null_fd_, nullptr, bytes, SPLICE_F_NONBLOCK);
        if (n <= 0) {
            // Cannot happen with /dev/null; a pipe in an unknown state is not reused.
            close_pipe();
            return;
        }
        bytes -= static_cast<std::size_t>(n);
    }
}

long FrameSplicer::send_now(int socket_fd, const Frame& frame) {
    if (frame.wire_fd < 0 || !usable()) return 0;
    const auto size = frame.wire_size();
    // tee() copies page references from the start of the frame's pipe and
    // consumes nothing there, so every viewer gets the whole message.
    const auto duplicated = tee(frame.wire_fd, pipe_[1], size, SPLICE_F_NONBLOCK);
    if (duplicated != static_cast<ssize_t>(size)) {
        if (duplicated > 0) discard(static_cast<std::size_t>(duplicated));
        return 0;
    }
    std::size_t sent = 0;
    long result = 0;
    while (sent < size) {
        const auto n = splice(pipe_[0], nullptr, socket_fd, nullptr, size - sent, SPLICE_F_NONBLOCK | SPLICE_F_MOVE);
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) result = -errno;
        if (n <= 0) break;
        sent += static_cast<std::size_t>(n);
    }
    discard(size - sent);
    return result < 0 ? result : static_cast<long>(sent);
}

}  // namespace camstream
