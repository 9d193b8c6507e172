// What the audio tests make and measure in sound, shared by the unit and the
// integration tests: a sine tone, Opus packets decoded the way any client
// would (libopus at 48 kHz), a tone's frequency, and loudness.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace camstream::test {

inline constexpr int kAudioRate = 48000;

// Mono samples of a sine starting at sample index `first` (so packets join up).
std::vector<std::int16_t> sine(double frequency, double amplitude, std::size_t count, std::size_t first = 0);

// Decodes 20 ms Opus packets in order into interleaved PCM; throws when one
// does not decode (a packet cut short or corrupted).
std::vector<std::int16_t> decode_opus(const std::vector<std::vector<std::uint8_t>>& packets, int channels);

// The first channel of interleaved PCM.
std::vector<std::int16_t> first_channel(std::span<const std::int16_t> interleaved, int channels);

// A tone's frequency from its rising zero crossings, interpolated between
// samples: over a few seconds it is exact to far better than 0.1 %. 0 when
// there are fewer than two crossings.
double tone_frequency(std::span<const std::int16_t> mono, int rate = kAudioRate);

// Root mean square of the samples, in sample units (full scale 32768).
double rms(std::span<const std::int16_t> samples);

// Root mean square of each block of `block` samples, relative to full scale (0..1).
std::vector<double> block_rms(std::span<const std::int16_t> mono, std::size_t block);

}  // namespace camstream::test
