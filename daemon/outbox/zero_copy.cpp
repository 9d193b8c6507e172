// FrameSplicer: see zero_copy.hpp.
#include "outbox/zero_copy.hpp"

#include "media/framed_message.hpp"

#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace camstream {

FrameSplicer::FrameSplicer() {
    int error = 0;
    if (pipe2(pipe_.data(), O_CLOEXEC | O_NONBLOCK) != 0) {
        error = errno;
    } else if (fcntl(pipe_[1], F_SETPIPE_SZ, static_cast<int>(kMaxPipedMessageBytes)) < 0) {
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

long FrameSplicer::send_now(int socket_fd, const FramedMessage& message) {
    if (message.pipe_fd() < 0 || !usable()) return 0;
    const auto size = message.size();
    // tee() copies page references from the start of the frame's pipe and
    // consumes nothing there, so every viewer gets the whole message.
    const auto duplicated = tee(message.pipe_fd(), pipe_[1], size, SPLICE_F_NONBLOCK);
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
