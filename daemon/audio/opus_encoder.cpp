// OpusPacketEncoder: see opus_encoder.hpp.
#include "audio/opus_encoder.hpp"

#include "audio/audio_source.hpp"

#include <stdexcept>

namespace camstream {
namespace {

// libopus's own advice for the output buffer of one packet.
constexpr std::size_t kMaxPacketBytes = 4000;

}  // namespace

OpusPacketEncoder::OpusPacketEncoder(int channels, int bitrate) : channels_(channels) {
    int rc = OPUS_OK;
    encoder_.reset(opus_encoder_create(kAudioSampleRate, channels, OPUS_APPLICATION_AUDIO, &rc));
    if (rc != OPUS_OK) throw std::runtime_error(std::string("Opus encoder: ") + opus_strerror(rc));
    rc = opus_encoder_ctl(encoder_.get(), OPUS_SET_BITRATE(bitrate));
    if (rc != OPUS_OK) {
        throw std::runtime_error("Opus encoder: bitrate " + std::to_string(bitrate) + ": " + opus_strerror(rc));
    }
}

std::vector<std::uint8_t> OpusPacketEncoder::encode(std::span<const std::int16_t> interleaved) {
    if (interleaved.size() != static_cast<std::size_t>(kFramesPerPacket * channels_)) {
        error_ = "a packet must hold " + std::to_string(kFramesPerPacket) + " frames of " +
                 std::to_string(channels_) + " channel(s)";
        return {};
    }
    // Encoded into scratch, then copied: a packet is about 160 bytes, and each
    // stays queued for viewers a while, so it should not hold 4000.
    scratch_.resize(kMaxPacketBytes);
    const auto bytes = opus_encode(encoder_.get(), interleaved.data(), kFramesPerPacket, scratch_.data(),
                                   static_cast<opus_int32>(scratch_.size()));
    if (bytes < 0) {
        error_ = opus_strerror(bytes);
        return {};
    }
    return {scratch_.begin(), scratch_.begin() + bytes};
}

void OpusPacketEncoder::reset() {
    opus_encoder_ctl(encoder_.get(), OPUS_RESET_STATE);
}

}  // namespace camstream
