// FramedMessage: see framed_message.hpp.
#include "media/framed_message.hpp"

#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

namespace camstream {
namespace {

int fill_pipe(const std::array<std::span<const std::uint8_t>, 3>& parts, std::size_t size) {
    if (size > kMaxPipedMessageBytes) return -1;
    std::array<int, 2> fds{};
    if (pipe2(fds.data(), O_CLOEXEC | O_NONBLOCK) != 0) return -1;
    // Sized to the message (the kernel rounds up to a power of two pages), so the
    // pipes of the messages alive at once stay well inside the per-user quota.
    bool ok = fcntl(fds[1], F_SETPIPE_SZ, static_cast<int>(size)) >= 0;
    if (ok) {
        std::array<iovec, 3> vectors{};
        int count = 0;
        for (const auto& part : parts) {
            if (part.empty()) continue;
            // writev only reads; iovec is just not const-correct.
            vectors[static_cast<std::size_t>(count++)] =
                iovec{const_cast<std::uint8_t*>(part.data()), part.size()};
        }
        // One writev into an empty pipe sized for it is never short.
        ok = writev(fds[1], vectors.data(), count) == static_cast<ssize_t>(size);
    }
    ::close(fds[1]);
    if (!ok) {
        ::close(fds[0]);
        return -1;
    }
    return fds[0];
}

}  // namespace

FramedMessage::FramedMessage(FramePtr frame, std::vector<std::uint8_t> head, std::span<const std::uint8_t> tail,
                             Pipe pipe)
    : frame_(std::move(frame)),
      head_(std::move(head)),
      tail_(tail),
      size_(head_.size() + frame_->bytes().size() + tail_.size()),
      pipe_fd_(pipe == Pipe::fill ? fill_pipe(parts(), size_) : -1) {}

FramedMessage::~FramedMessage() {
    if (pipe_fd_ >= 0) ::close(pipe_fd_);
}

std::array<std::span<const std::uint8_t>, 3> FramedMessage::parts() const {
    return {std::span<const std::uint8_t>(head_), frame_->bytes(), tail_};
}

}  // namespace camstream
