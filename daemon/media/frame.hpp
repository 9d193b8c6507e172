// Frame: one captured picture or one 20 ms Opus packet as media, immutable
// once handed to the event loop and shared by every viewer of every protocol.
// It knows no wire format: each viewer protocol frames it once
// (media/framed_message.hpp).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace camstream {

enum class MediaKind : std::uint8_t { jpeg_picture, opus_packet };

using Payload = std::shared_ptr<const std::vector<std::uint8_t>>;

// When the frame passed each stage (µs since the Unix epoch), so latency per
// stage can be measured anywhere downstream without side tables.
struct StageTimes {
    std::int64_t captured_us = 0;
    std::int64_t encoded_us = 0;
    std::int64_t handed_over_us = 0;  // taken by the event loop
};

struct Frame {
    MediaKind kind = MediaKind::jpeg_picture;
    // Shared, not copied, with a source that hands its JPEGs through unchanged.
    Payload payload;
    std::uint16_t width = 0;
    std::uint16_t height = 0;
    std::uint64_t sequence = 0;
    StageTimes times;

    std::span<const std::uint8_t> bytes() const {
        return payload ? std::span<const std::uint8_t>(*payload) : std::span<const std::uint8_t>();
    }
};

using FramePtr = std::shared_ptr<const Frame>;

}  // namespace camstream
