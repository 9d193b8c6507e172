// AudioSource: where sound comes from. The audio capture thread alone drives
// one, reading every 20 ms packet whether anyone listens or not, so it always
// knows the microphone is alive and a capture buffer never overruns.
#pragma once

#include "capture/stop_signal.hpp"
#include "config/settings.hpp"
#include "wire.hpp"

#include <cstdint>
#include <memory>
#include <span>
#include <string>

namespace camstream {

// The wire's audio format (Opus takes 48 kHz natively; 20 ms is its usual
// packet), named for the capture side.
inline constexpr int kAudioSampleRate = wire::kAudioSampleRate;
inline constexpr int kFramesPerPacket = wire::kAudioPacketSamples;
inline constexpr std::int64_t kPacketDurationUs = wire::kAudioPacketDurationUs;

class AudioSource {
public:
    virtual ~AudioSource() = default;

    // Opens (or reopens after a failure); false with a reason in `error`.
    virtual bool open(std::string& error) = 0;
    // Waits for the next packet: kFramesPerPacket frames of interleaved S16
    // samples (interleaved.size() is that times the channel count), dated by
    // the wall-clock time of its first sample. False when the source failed
    // (last_error() says why) or the StopSignal it was made with was raised.
    virtual bool read(std::span<std::int16_t> interleaved, std::int64_t& first_sample_us) = 0;
    virtual std::string describe() const = 0;
    virtual std::string last_error() const = 0;
    // Samples lost because they were not read in time (an ALSA overrun).
    virtual std::uint64_t overruns() const { return 0; }
};

// The source audio.source names (audio/audio_source_uri.hpp), or nullptr for
// "none"; `stop` outlives it. Throws std::invalid_argument on a malformed
// audio.source, which the configuration has already refused.
std::unique_ptr<AudioSource> make_audio_source(const AudioSettings& settings, const StopSignal& stop);

}  // namespace camstream
