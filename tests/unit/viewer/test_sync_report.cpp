// Unit tests of the A/V sync measurement (viewer/sync/sync_report.*): a beep is
// found where it starts to be heard, a flash where its first frame is
// presented, and each flash is paired with its beep.
#include "sync/sync_report.hpp"
#include "support/audio_analysis.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <vector>

using camstream::viewer::BeepDetector;
using camstream::viewer::SteadyClock;
using camstream::viewer::SyncReport;
using camstream::test::sine;
using namespace std::chrono_literals;

namespace {

const SteadyClock::time_point kT0 = SteadyClock::time_point{} + 1000s;

// One second: a quiet 1 kHz tone, loud from `beep_at` for 100 ms.
std::vector<std::int16_t> second_with_beep(std::chrono::milliseconds beep_at) {
    auto samples = sine(1000.0, 300.0, 48000);
    const auto loud = sine(1000.0, 12000.0, 48000);
    const auto first = static_cast<std::size_t>(beep_at.count() * 48);
    for (std::size_t i = first; i < first + 4800; ++i) samples[i] = loud[i];
    return samples;
}

double ms(SteadyClock::duration duration) {
    return std::chrono::duration<double, std::milli>(duration).count();
}

}  // namespace

TEST_CASE("viewer sync report: a beep is found within 5 ms of where it starts to be heard") {
    BeepDetector detector;
    const auto samples = second_with_beep(302ms);
    std::vector<SteadyClock::time_point> onsets;
    // Handed over in 20 ms chunks, as the player writes them.
    for (std::size_t at = 0; at < samples.size(); at += 960) {
        const auto heard_at = kT0 + std::chrono::microseconds(static_cast<std::int64_t>(at) * 1'000'000 / 48'000);
        for (const auto onset : detector.feed(std::span(samples).subspan(at, 960), 1, heard_at)) {
            onsets.push_back(onset);
        }
    }
    REQUIRE(onsets.size() == 1);
    CHECK(ms(onsets[0] - kT0) == doctest::Approx(302.0).epsilon(0.02));
}

TEST_CASE("viewer sync report: the tone starting after silence is no beep, and every beep after it is found") {
    BeepDetector detector;
    // What a decoder gives at the start of a stream: silence, then the quiet
    // tone, which beeps at 0.5 s into each of the next three seconds.
    std::vector<std::int16_t> samples(48000 / 5, 0);
    for (int second = 0; second < 3; ++second) {
        const auto one = second_with_beep(500ms);
        samples.insert(samples.end(), one.begin(), one.end());
    }
    std::vector<double> onsets_ms;
    for (std::size_t at = 0; at + 960 <= samples.size(); at += 960) {
        const auto heard_at = kT0 + std::chrono::microseconds(static_cast<std::int64_t>(at) * 1'000'000 / 48'000);
        for (const auto onset : detector.feed(std::span(samples).subspan(at, 960), 1, heard_at)) {
            onsets_ms.push_back(ms(onset - kT0));
        }
    }
    REQUIRE(onsets_ms.size() == 3);
    for (std::size_t i = 0; i < onsets_ms.size(); ++i) {
        CHECK(onsets_ms[i] == doctest::Approx(200.0 + 1000.0 * static_cast<double>(i) + 500.0).epsilon(0.01));
    }
}

TEST_CASE("viewer sync report: a flash paired with its beep gives the offset, less the frame's lateness") {
    SyncReport report;
    const auto samples = second_with_beep(100ms);
    report.sound_written(samples, 1, kT0);  // the beep is heard from kT0 + 100 ms
    constexpr std::uint64_t kWholeSecond = 1'700'000'000'000'000;
    // A dark frame, then the first bright one, captured 20 ms into the flash
    // and presented 30 ms after the beep began: 10 ms out of sync.
    report.frame_presented(kWholeSecond - 13'000, 90.0, kT0 + 97ms);
    report.frame_presented(kWholeSecond + 20'000, 250.0, kT0 + 130ms);
    report.frame_presented(kWholeSecond + 53'000, 250.0, kT0 + 163ms);
    const auto measurement = report.measurement();
    CHECK(measurement.flashes == 1);
    CHECK(measurement.beeps == 1);
    REQUIRE(measurement.offset_ms);
    CHECK(measurement.offset_ms->count == 1);
    CHECK(measurement.offset_ms->median == doctest::Approx(10.0).epsilon(0.1));
    CHECK(*measurement.uncorrected_median_ms == doctest::Approx(30.0).epsilon(0.05));
}

TEST_CASE("viewer sync report: a flash with no beep near it is not paired") {
    SyncReport report;
    report.sound_written(second_with_beep(100ms), 1, kT0);
    report.frame_presented(0, 90.0, kT0 + 600ms);
    report.frame_presented(0, 250.0, kT0 + 700ms);
    const auto measurement = report.measurement();
    CHECK(measurement.flashes == 1);
    CHECK_FALSE(measurement.offset_ms);
}
