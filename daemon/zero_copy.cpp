// Zero-copy sending of frame payloads: see zero_copy.hpp.
#include "zero_copy.hpp"

#include "frame.hpp"

#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <array>
#include <cerrno>

namespace camstream {

namespace {

// A frame larger than a pipe may grow to without privileges (fs.pipe-max-size,
// 1 MiB by default) is sent from memory.
constexpr std::size_t kMaxPipeBytes = 1 << 20;

// The loop thread's scratch pipe: every viewer's send passes through it and
// leaves it empty again. Created on first use and kept for the process's life.
class ScratchPipe {
public:
    ScratchPipe() {
        if (pipe2(fds_.data(), O_CLOEXEC | O_NONBLOCK) != 0) return;
        if (fcntl(fds_[1], F_SETPIPE_SZ, static_cast<int>(kMaxPipeBytes)) < 0) close_all();
        null_fd_ = open("/dev/null", O_WRONLY | O_CLOEXEC);
    }
    ~ScratchPipe() {
        close_all();
        if (null_fd_ >= 0) ::close(null_fd_);
    }
    ScratchPipe(const ScratchPipe&) = delete;
    ScratchPipe& operator=(const ScratchPipe&) = delete;

    bool usable() const { return fds_[0] >= 0 && null_fd_ >= 0; }
    int read_end() const { return fds_[0]; }
    int write_end() const { return fds_[1]; }

    // Drops whatever the socket did not take, so the next send starts empty.
    void discard(std::size_t bytes) {
        while (bytes > 0) {
            const auto n = splice(fds_[0], nullptr, null_fd_, nullptr, bytes, SPLICE_F_NONBLOCK);
            if (n <= 0) {
                // Should not happen; a pipe in an unknown state is not reused.
                close_all();
                return;
            }
            bytes -= static_cast<std::size_t>(n);
        }
    }

private:
    void close_all() {
        for (auto& fd : fds_) {
            if (fd >= 0) ::close(fd);
            fd = -1;
        }
    }

    std::array<int, 2> fds_{-1, -1};
    int null_fd_ = -1;
};

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
            iovec{const_cast<std::uint8_t*>(frame.jpeg.data()), frame.jpeg.size()}};
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

long send_frame_now(int socket_fd, const Frame& frame) {
    thread_local ScratchPipe scratch;
    if (frame.wire_fd < 0 || !scratch.usable()) return 0;
    const auto size = frame.wire_size();
    // tee() always copies from the start of the frame's pipe and consumes nothing there.
    const auto duplicated = tee(frame.wire_fd, scratch.write_end(), size, SPLICE_F_NONBLOCK);
    if (duplicated != static_cast<ssize_t>(size)) {
        if (duplicated > 0) scratch.discard(static_cast<std::size_t>(duplicated));
        return 0;
    }
    std::size_t sent = 0;
    long result = 0;
    while (sent < size) {
        const auto n = splice(scratch.read_end(), nullptr, socket_fd, nullptr, size - sent,
                              SPLICE_F_NONBLOCK | SPLICE_F_MOVE);
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) result = -errno;
        if (n <= 0) break;
        sent += static_cast<std::size_t>(n);
    }
    scratch.discard(size - sent);
    return result < 0 ? result : static_cast<long>(sent);
}

}  // namespace camstream
