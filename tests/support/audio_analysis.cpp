// What the audio tests measure in sound: see audio_analysis.hpp.
#include "support/audio_analysis.hpp"

#include <opus.h>

#include <cmath>
#include <memory>
#include <numbers>
#include <stdexcept>
#include <string>

namespace camstream::test {

std::vector<std::int16_t> sine(double frequency, double amplitude, std::size_t count, std::size_t first) {
    std::vector<std::int16_t> samples(count);
    for (std::size_t i = 0; i < count; ++i) {
        const double t = static_cast<double>(first + i) / kAudioRate;
        samples[i] = static_cast<std::int16_t>(std::lround(amplitude * std::sin(2.0 * std::numbers::pi * frequency * t)));
    }
    return samples;
}

std::vector<std::int16_t> decode_opus(const std::vector<std::vector<std::uint8_t>>& packets, int channels) {
    int error = 0;
    std::unique_ptr<OpusDecoder, void (*)(OpusDecoder*)> decoder(opus_decoder_create(kAudioRate, channels, &error),
                                                                 opus_decoder_destroy);
    if (error != OPUS_OK) throw std::runtime_error(std::string("opus_decoder_create: ") + opus_strerror(error));
    constexpr int kMaxSamples = 5760;  // 120 ms, the longest Opus packet
    std::vector<std::int16_t> pcm;
    std::vector<std::int16_t> block(static_cast<std::size_t>(kMaxSamples * channels));
    for (std::size_t i = 0; i < packets.size(); ++i) {
        const auto& packet = packets[i];
        const int samples = opus_decode(decoder.get(), packet.data(), static_cast<opus_int32>(packet.size()),
                                        block.data(), kMaxSamples, 0);
        if (samples < 0) {
            throw std::runtime_error("packet " + std::to_string(i) + " of " + std::to_string(packet.size()) +
                                     " bytes does not decode: " + opus_strerror(samples));
        }
        pcm.insert(pcm.end(), block.begin(), block.begin() + static_cast<std::ptrdiff_t>(samples * channels));
    }
    return pcm;
}

std::vector<std::int16_t> first_channel(std::span<const std::int16_t> interleaved, int channels) {
    std::vector<std::int16_t> mono;
    mono.reserve(interleaved.size() / static_cast<std::size_t>(channels));
    for (std::size_t i = 0; i < interleaved.size(); i += static_cast<std::size_t>(channels)) mono.push_back(interleaved[i]);
    return mono;
}

double tone_frequency(std::span<const std::int16_t> mono, int rate) {
    double first = -1;
    double last = -1;
    std::size_t crossings = 0;
    for (std::size_t i = 1; i < mono.size(); ++i) {
        if (mono[i - 1] < 0 && mono[i] >= 0) {
            // Where the line between the two samples crosses zero.
            const double fraction = -mono[i - 1] / static_cast<double>(mono[i] - mono[i - 1]);
            const double at = static_cast<double>(i - 1) + fraction;
            if (first < 0) first = at;
            last = at;
            ++crossings;
        }
    }
    if (crossings < 2) return 0;
    return static_cast<double>(crossings - 1) * rate / (last - first);
}

double rms(std::span<const std::int16_t> samples) {
    double sum = 0;
    for (const auto sample : samples) sum += static_cast<double>(sample) * sample;
    return samples.empty() ? 0.0 : std::sqrt(sum / static_cast<double>(samples.size()));
}

std::vector<double> block_rms(std::span<const std::int16_t> mono, std::size_t block) {
    std::vector<double> levels;
    for (std::size_t start = 0; start + block <= mono.size(); start += block) {
        double sum = 0;
        for (std::size_t i = start; i < start + block; ++i) sum += static_cast<double>(mono[i]) * mono[i];
        levels.push_back(std::sqrt(sum / static_cast<double>(block)) / 32768.0);
    }
    return levels;
}

}  // namespace camstream::test
