// Frame: one encoded picture, immutable once published and shared by every viewer.
#pragma once

#include "wire.hpp"

#include <unistd.h>

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace camstream {

struct Frame {
    Frame() = default;
    ~Frame() {
        if (wire_fd >= 0) ::close(wire_fd);
    }
    Frame(const Frame&) = delete;
    Frame& operator=(const Frame&) = delete;

    // Shared, not copied, with a source that hands its JPEGs through unchanged.
    std::shared_ptr<const std::vector<std::uint8_t>> jpeg;
    // The read end of a pipe holding wire_header + jpeg, for tee() and splice()
    // (zero_copy.hpp); -1 when there is none.
    int wire_fd = -1;
    // The wire header is encoded once per frame, not once per viewer.
    wire::HeaderBytes wire_header{};
    std::uint16_t width = 0;
    std::uint16_t height = 0;
    std::uint64_t sequence = 0;
    // When the frame passed each stage (µs since the Unix epoch), so per-stage
    // latency can be measured anywhere downstream.
    std::int64_t captured_us = 0;
    std::int64_t encoded_us = 0;
    std::int64_t published_us = 0;

    std::span<const std::uint8_t> payload() const {
        return jpeg ? std::span<const std::uint8_t>(*jpeg) : std::span<const std::uint8_t>();
    }
    std::size_t wire_size() const { return wire_header.size() + payload().size(); }
};

using FramePtr = std::shared_ptr<const Frame>;

// Fills wire_header from the other fields; call once the payload is final.
inline void seal(Frame& frame) {
    wire::MessageHeader header;
    header.type = wire::MessageType::video_frame;
    header.payload_length = static_cast<std::uint32_t>(frame.payload().size());
    header.sequence = frame.sequence;
    header.timestamp_us = static_cast<std::uint64_t>(frame.captured_us);
    frame.wire_header = wire::encode(header);
}

}  // namespace camstream
