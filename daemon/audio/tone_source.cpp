// ToneSource: see tone_source.hpp.
#include "audio/tone_source.hpp"

#include "media/sync_marker.hpp"

#include <spdlog/fmt/fmt.h>

#include <cmath>
#include <numbers>

namespace camstream {
namespace {

// -20 dBFS and -3 dBFS: the beep stands out clearly without clipping.
const double kQuietAmplitude = 32767.0 * std::pow(10.0, -20.0 / 20.0);
const double kBeepAmplitude = 32767.0 * std::pow(10.0, -3.0 / 20.0);

}  // namespace

ToneSource::ToneSource(double frequency_hz, int channels, const StopSignal& stop)
    : frequency_hz_(frequency_hz), channels_(channels), schedule_(stop) {}

bool ToneSource::open(std::string&) {
    schedule_.restart();
    return true;
}

bool ToneSource::read(std::span<std::int16_t> interleaved, std::int64_t& first_sample_us) {
    if (!schedule_.wait_next(first_sample_us)) return false;
    const double step = 2 * std::numbers::pi * frequency_hz_ / kAudioSampleRate;
    const auto channels = static_cast<std::size_t>(channels_);
    for (std::size_t frame = 0; frame < static_cast<std::size_t>(kFramesPerPacket); ++frame) {
        const auto sample_us =
            first_sample_us + static_cast<std::int64_t>(frame) * 1'000'000 / kAudioSampleRate;
        const double amplitude = in_sync_flash(sample_us) ? kBeepAmplitude : kQuietAmplitude;
        const auto sample = static_cast<std::int16_t>(std::lround(amplitude * std::sin(phase_)));
        for (std::size_t channel = 0; channel < channels; ++channel) interleaved[frame * channels + channel] = sample;
        phase_ = std::fmod(phase_ + step, 2 * std::numbers::pi);
    }
    return true;
}

std::string ToneSource::describe() const {
    return fmt::format("tone {} Hz", frequency_hz_);
}

}  // namespace camstream
