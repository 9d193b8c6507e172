// ToneSource: paced to real time, packets dated exactly 20 ms apart, the tone
// at its frequency with no jump between packets, and the beep exactly where
// in_sync_flash() says (the test pattern flashes there too) and nowhere else.
#include "audio/tone_source.hpp"
#include "audio_test_support.hpp"
#include "media/sync_marker.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <numbers>
#include <vector>

using namespace camstream;
using namespace camstream::audio_test;

TEST_CASE("tone source: 50 packets in a second, 20 ms apart, at its frequency, beeping with the sync marker") {
    StopSignal stop;
    ToneSource tone(1030, 1, stop);  // 20.6 cycles a packet: a phase restarted per packet would show
    std::string error;
    REQUIRE(tone.open(error));
    std::vector<std::int16_t> samples;
    std::vector<std::int64_t> times;
    std::vector<std::int16_t> packet(960);
    const auto started = std::chrono::steady_clock::now();
    for (int n = 0; n < 50; ++n) {
        std::int64_t first_us = 0;
        REQUIRE(tone.read(packet, first_us));
        times.push_back(first_us);
        samples.insert(samples.end(), packet.begin(), packet.end());
    }
    const auto elapsed = std::chrono::steady_clock::now() - started;
    CHECK(elapsed >= std::chrono::milliseconds(980));
    CHECK(elapsed < std::chrono::milliseconds(1500));
    for (std::size_t n = 1; n < times.size(); ++n) CHECK(times[n] - times[n - 1] == 20000);

    CHECK(tone_frequency(samples) == doctest::Approx(1030).epsilon(0.01));

    // No clicks: between two samples of one loudness, the wave moves no more
    // than a sine of that amplitude can in 1/48000 s.
    const auto sample_us = [&](std::size_t i) { return times[0] + static_cast<std::int64_t>(i) * 1'000'000 / 48000; };
    const double step = 2 * std::numbers::pi * 1030 / 48000;
    for (std::size_t i = 1; i < samples.size(); ++i) {
        const bool loud = in_sync_flash(sample_us(i));
        if (loud != in_sync_flash(sample_us(i - 1))) continue;
        const double most = (loud ? 23197.0 : 3277.0) * step + 2;
        if (std::abs(samples[i] - samples[i - 1]) > most) FAIL_CHECK("a jump at sample " << i);
    }

    // Per 10 ms block: loud where every sample is in the flash, quiet where none is.
    int loud_blocks = 0;
    for (std::size_t block = 0; block < samples.size() / 480; ++block) {
        const auto begin = block * 480;
        const bool all_flash = in_sync_flash(sample_us(begin)) && in_sync_flash(sample_us(begin + 479));
        const bool no_flash = !in_sync_flash(sample_us(begin)) && !in_sync_flash(sample_us(begin + 479));
        const double level = rms(std::span<const std::int16_t>(samples).subspan(begin, 480));
        INFO("block " << block << " at " << sample_us(begin) << " us, RMS " << level);
        if (all_flash) {
            CHECK(level > 15000);  // -3 dBFS: 23197 peak, 16400 RMS
            ++loud_blocks;
        }
        if (no_flash) CHECK(level < 2500);  // -20 dBFS: 3277 peak, 2317 RMS
    }
    // One second holds 100 ms of flash: at least 8 whole blocks of it.
    CHECK(loud_blocks >= 8);
}

TEST_CASE("tone source: stereo carries the tone on both channels, and a stop ends a read at once") {
    StopSignal stop;
    ToneSource tone(440, 2, stop);
    std::string error;
    REQUIRE(tone.open(error));
    std::vector<std::int16_t> packet(2 * 960);
    std::int64_t first_us = 0;
    REQUIRE(tone.read(packet, first_us));
    for (std::size_t frame = 0; frame < 960; ++frame) CHECK(packet[2 * frame] == packet[2 * frame + 1]);
    stop.raise();
    const auto started = std::chrono::steady_clock::now();
    CHECK_FALSE(tone.read(packet, first_us));
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::milliseconds(5));
}

TEST_CASE("sync marker: the first 100 ms of each wall-clock second") {
    CHECK(in_sync_flash(1'700'000'000'000'000));
    CHECK(in_sync_flash(1'700'000'000'099'999));
    CHECK_FALSE(in_sync_flash(1'700'000'000'100'000));
    CHECK_FALSE(in_sync_flash(1'700'000'000'999'999));
}
