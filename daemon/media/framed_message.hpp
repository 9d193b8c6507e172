// FramedMessage: a frame as one viewer protocol puts it on the wire, built once
// per frame for each protocol that has viewers, never once per viewer.
//
// The message is the protocol's head (v1's 24-byte header, an HTTP part's
// headers), the frame's payload, and an optional tail. Its whole byte string is
// also written once into a pipe of its own, so every viewer is sent the same
// pages by tee() + splice() (outbox/zero_copy.hpp); the parts stay in memory
// too, for whatever a full socket does not take at once.
#pragma once

#include "media/frame.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace camstream {

// A message larger than a pipe may grow to without privileges (fs.pipe-max-size,
// 1 MiB by default) gets no pipe and is sent from memory.
inline constexpr std::size_t kMaxPipedMessageBytes = 1 << 20;

class FramedMessage {
public:
    // A message sent to one viewer only (an HTTP snapshot) gains nothing from a pipe.
    enum class Pipe { fill, none };

    // tail must be static storage (a protocol's constant bytes).
    FramedMessage(FramePtr frame, std::vector<std::uint8_t> head, std::span<const std::uint8_t> tail = {},
                  Pipe pipe = Pipe::fill);
    ~FramedMessage();
    FramedMessage(const FramedMessage&) = delete;
    FramedMessage& operator=(const FramedMessage&) = delete;

    const Frame& frame() const { return *frame_; }
    // head, payload and tail, in the order they go on the wire.
    std::array<std::span<const std::uint8_t>, 3> parts() const;
    std::size_t size() const { return size_; }
    // The read end of the pipe holding the whole message; -1 when the kernel
    // could not make one (the message is then sent from memory).
    int pipe_fd() const { return pipe_fd_; }

private:
    FramePtr frame_;
    std::vector<std::uint8_t> head_;
    std::span<const std::uint8_t> tail_;
    std::size_t size_;
    int pipe_fd_ = -1;
};

using FramedPtr = std::shared_ptr<const FramedMessage>;

}  // namespace camstream
