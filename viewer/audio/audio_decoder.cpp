// Opus decoding through libopus at 48 kHz; gaps are filled with libopus's own
// packet loss concealment (opus_decode with no data).
#include "audio/audio_decoder.hpp"

#include "wire.hpp"

#include <opus.h>

#include <algorithm>
#include <stdexcept>
#include <string>

namespace camstream::viewer {

AudioDecoder::AudioDecoder(int channels) : channels_(channels) {
    int error = OPUS_OK;
    decoder_ = opus_decoder_create(wire::kAudioSampleRate, channels, &error);
    if (error != OPUS_OK || decoder_ == nullptr) {
        throw std::runtime_error(std::string("cannot create an Opus decoder: ") +
                                 opus_strerror(error));
    }
}

AudioDecoder::~AudioDecoder() { opus_decoder_destroy(decoder_); }

AudioChunk AudioDecoder::conceal(std::uint64_t timestamp_us) {
    AudioChunk chunk{std::vector<std::int16_t>(
                         static_cast<std::size_t>(wire::kAudioPacketSamples * channels_)),
                     timestamp_us, true};
    const int frames =
        opus_decode(decoder_, nullptr, 0, chunk.samples.data(), wire::kAudioPacketSamples, 0);
    // Concealment cannot fail for a valid decoder; should it, silence is the concealment.
    if (frames < 0) std::fill(chunk.samples.begin(), chunk.samples.end(), std::int16_t{0});
    ++concealed_packets_;
    return chunk;
}

std::vector<AudioChunk> AudioDecoder::decode(std::uint64_t sequence, std::uint64_t timestamp_us,
                                             std::span<const std::uint8_t> opus) {
    std::vector<AudioChunk> chunks;
    if (previous_sequence_) {
        const bool forward = sequence > *previous_sequence_;
        const std::uint64_t missing = forward ? sequence - *previous_sequence_ - 1 : 0;
        if (!forward || missing > kMaxConcealedPackets) {
            // A restarted server or a long outage: a fresh Opus stream follows.
            opus_decoder_ctl(decoder_, OPUS_RESET_STATE);
        } else {
            for (std::uint64_t back = missing; back > 0; --back) {
                const auto step = static_cast<std::uint64_t>(wire::kAudioPacketDurationUs) * back;
                chunks.push_back(conceal(timestamp_us >= step ? timestamp_us - step : 0));
            }
        }
    }
    previous_sequence_ = sequence;

    AudioChunk chunk{std::vector<std::int16_t>(
                         static_cast<std::size_t>(wire::kAudioPacketSamples * channels_)),
                     timestamp_us, false};
    const int frames = opus_decode(decoder_, opus.data(), static_cast<opus_int32>(opus.size()),
                                   chunk.samples.data(), wire::kAudioPacketSamples, 0);
    if (frames < 0) {
        ++decode_errors_;
        chunks.push_back(conceal(timestamp_us));
        return chunks;
    }
    // A valid packet shorter than the protocol's 20 ms (Opus frames may be 2.5 to
    // 10 ms) is played as it is; a longer one does not fit and failed above.
    chunk.samples.resize(static_cast<std::size_t>(frames * channels_));
    chunks.push_back(std::move(chunk));
    return chunks;
}

}  // namespace camstream::viewer
