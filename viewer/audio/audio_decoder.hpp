// AudioDecoder: one stream's Opus packets to 16-bit PCM, with packet loss
// concealment for short gaps in the packet numbers (docs/PROTOCOL.md section 10).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

struct OpusDecoder;

namespace camstream::viewer {

// 20 ms of sound, interleaved, with the capture time of its first sample.
struct AudioChunk {
    std::vector<std::int16_t> samples;  // frames × channels
    std::uint64_t capture_timestamp_us = 0;
    bool concealed = false;  // made up by the decoder for a lost or broken packet
};

class AudioDecoder {
public:
    // Longer gaps are not concealed: half a second of invented sound is worse than
    // a jump, so the decoder starts over at the next packet instead.
    static constexpr std::uint64_t kMaxConcealedPackets = 5;

    // channels: 1 or 2, as the stream info says. Throws std::runtime_error when
    // libopus refuses (it only does for bad arguments or no memory).
    explicit AudioDecoder(int channels);
    AudioDecoder(const AudioDecoder&) = delete;
    AudioDecoder& operator=(const AudioDecoder&) = delete;
    ~AudioDecoder();

    int channels() const { return channels_; }

    // The chunks to play for this packet: concealment for the packets missing
    // before it (up to kMaxConcealedPackets), then its own sound. A packet libopus
    // cannot decode is counted and concealed, so the timeline stays whole.
    std::vector<AudioChunk> decode(std::uint64_t sequence, std::uint64_t timestamp_us,
                                   std::span<const std::uint8_t> opus);

    std::uint64_t decode_errors() const { return decode_errors_; }
    std::uint64_t concealed_packets() const { return concealed_packets_; }

private:
    AudioChunk conceal(std::uint64_t timestamp_us);

    int channels_;
    OpusDecoder* decoder_;
    std::optional<std::uint64_t> previous_sequence_;
    std::uint64_t decode_errors_ = 0;
    std::uint64_t concealed_packets_ = 0;
};

}  // namespace camstream::viewer
