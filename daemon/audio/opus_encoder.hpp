// OpusPacketEncoder: owns one libopus encoder and turns each 20 ms packet of
// 48 kHz S16 samples into one Opus packet.
#pragma once

#include <opus.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace camstream {

class OpusPacketEncoder {
public:
    // Throws std::runtime_error with libopus's reason when it refuses the
    // channels (1 or 2) or bitrate (bits per second).
    OpusPacketEncoder(int channels, int bitrate);

    // One packet: 960 frames, interleaved. Empty on failure, with last_error().
    std::vector<std::uint8_t> encode(std::span<const std::int16_t> interleaved);
    // Forgets the signal so far: the next packet starts a fresh stream, as a
    // listener arriving after a pause needs (no prediction from stale audio).
    void reset();
    const std::string& last_error() const { return error_; }

private:
    struct Destroy {
        void operator()(OpusEncoder* encoder) const { opus_encoder_destroy(encoder); }
    };

    std::unique_ptr<OpusEncoder, Destroy> encoder_;
    int channels_;
    std::vector<std::uint8_t> scratch_;
    std::string error_;
};

}  // namespace camstream
