// Unit tests of camview's frame statistics (viewer/stats.*) with the values a
// broken or hostile server may send: timestamps near 2^63 and 2^64, sequence
// numbers that jump to 2^64-1 or go backwards. They must give sane figures and
// run clean under UndefinedBehaviorSanitizer.
#include "stats.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>

using camstream::viewer::latency_ms_between;
using camstream::viewer::latency_ms_since;
using camstream::viewer::SequenceGapCounter;

namespace {

constexpr std::uint64_t kMaxU64 = std::numeric_limits<std::uint64_t>::max();
constexpr std::int64_t kMaxI64 = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMinI64 = std::numeric_limits<std::int64_t>::min();
constexpr std::uint64_t kTwoTo63 = std::uint64_t{1} << 63;
// 2023-11-14, a plausible "now" in µs since the epoch.
constexpr std::int64_t kNowUs = 1'700'000'000'000'000;

}  // namespace

TEST_CASE("viewer stats: latency is now minus the capture timestamp, in milliseconds") {
    CHECK(latency_ms_between(kNowUs - 123'456, kNowUs) == doctest::Approx(123.456));
    CHECK(latency_ms_between(kNowUs, kNowUs) == 0.0);
}

TEST_CASE("viewer stats: a sender clock ahead of ours gives a negative latency, as measured") {
    // What a clock step (NTP correcting one side) looks like: reported, not clamped.
    CHECK(latency_ms_between(kNowUs + 5'000, kNowUs) == doctest::Approx(-5.0));
}

TEST_CASE("viewer stats: a timestamp of 2^63 does not overflow the latency") {
    // The old code cast it to INT64_MIN and subtracted: signed overflow.
    const double latency = latency_ms_between(kTwoTo63, kNowUs);
    CHECK(std::isfinite(latency));
    // now - 2^63 fits in 64 bits, so it is exact.
    CHECK(latency == static_cast<double>(kNowUs + kMinI64) / 1000.0);
    CHECK(latency < 0.0);
}

TEST_CASE("viewer stats: timestamps beyond 2^63 saturate at the most negative latency") {
    const double floor_ms = static_cast<double>(kMinI64) / 1000.0;
    for (const std::uint64_t timestamp : {kTwoTo63 + static_cast<std::uint64_t>(kNowUs) + 1,
                                          kMaxU64 - 1, kMaxU64}) {
        CAPTURE(timestamp);
        const double latency = latency_ms_between(timestamp, kNowUs);
        CHECK(std::isfinite(latency));
        CHECK(latency == floor_ms);
    }
}

TEST_CASE("viewer stats: our own clock at the ends of its range does not overflow either") {
    CHECK(latency_ms_between(0, kMaxI64) == static_cast<double>(kMaxI64) / 1000.0);
    CHECK(latency_ms_between(0, kMinI64) == static_cast<double>(kMinI64) / 1000.0);
    CHECK(latency_ms_between(1, kMinI64) == static_cast<double>(kMinI64) / 1000.0);
    CHECK(latency_ms_between(kMaxU64, kMinI64) == static_cast<double>(kMinI64) / 1000.0);
    // (2^63 - 1) - (2^64 - 1) is exactly -2^63: the one extreme that fits.
    CHECK(latency_ms_between(kMaxU64, kMaxI64) == static_cast<double>(kMinI64) / 1000.0);
}

TEST_CASE("viewer stats: latency against the real clock survives hostile timestamps") {
    for (const std::uint64_t timestamp : {std::uint64_t{0}, kTwoTo63 - 1, kTwoTo63, kTwoTo63 + 1,
                                          kMaxU64}) {
        CAPTURE(timestamp);
        CHECK(std::isfinite(latency_ms_since(timestamp)));
    }
    CHECK(latency_ms_since(0) > 0.0);
    CHECK(latency_ms_since(kMaxU64) < 0.0);
}

TEST_CASE("viewer stats: frames missing between sequence numbers are counted as gaps") {
    SequenceGapCounter gaps;
    for (const std::uint64_t sequence : {1, 2, 3, 5, 9, 10}) gaps.record(sequence);
    CHECK(gaps.missing() == 4);  // 4, 6, 7, 8
    CHECK(gaps.resets() == 0);
    CHECK(gaps.discontinuities() == 0);
}

TEST_CASE("viewer stats: a sequence jumping to 2^64-1 is a discontinuity, not lost frames") {
    SequenceGapCounter gaps;
    gaps.record(1);
    gaps.record(2);
    gaps.record(kMaxU64);
    CHECK(gaps.missing() == 0);  // the old code said 18446744073709551612
    CHECK(gaps.discontinuities() == 1);
    CHECK(gaps.resets() == 0);
    // Counting goes on from the new baseline.
    gaps.record(kMaxU64);  // repeated: not forward
    CHECK(gaps.resets() == 1);
    CHECK(gaps.missing() == 0);
}

TEST_CASE("viewer stats: the largest plausible gap counts, one more is a discontinuity") {
    constexpr auto kMaxGap = SequenceGapCounter::kMaxSequenceGap;
    SequenceGapCounter gaps;
    gaps.record(10);
    gaps.record(10 + kMaxGap + 1);
    CHECK(gaps.missing() == kMaxGap);
    CHECK(gaps.discontinuities() == 0);
    gaps.record(10 + kMaxGap + 1 + kMaxGap + 2);
    CHECK(gaps.missing() == kMaxGap);
    CHECK(gaps.discontinuities() == 1);
    // From there, ordinary gaps count again.
    gaps.record(10 + kMaxGap + 1 + kMaxGap + 2 + 3);
    CHECK(gaps.missing() == kMaxGap + 2);
}

TEST_CASE("viewer stats: a sequence that goes backwards is a reset (the daemon restarted)") {
    SequenceGapCounter gaps;
    for (const std::uint64_t sequence : {500, 501, 502}) gaps.record(sequence);
    gaps.record(1);  // a new daemon numbers from 1 again
    CHECK(gaps.resets() == 1);
    CHECK(gaps.missing() == 0);
    for (const std::uint64_t sequence : {2, 4}) gaps.record(sequence);
    CHECK(gaps.missing() == 1);
    gaps.record(0);
    CHECK(gaps.resets() == 2);
    CHECK(gaps.discontinuities() == 0);
}

TEST_CASE("viewer stats: the extreme sequence numbers in any order never wrap a counter") {
    SequenceGapCounter gaps;
    for (const std::uint64_t sequence : {kMaxU64, std::uint64_t{0}, kMaxU64, kMaxU64 - 1,
                                         std::uint64_t{0}, std::uint64_t{1}, kTwoTo63}) {
        gaps.record(sequence);
    }
    CHECK(gaps.missing() == 0);
    CHECK(gaps.resets() == 3);           // max->0, max->max-1, max-1->0
    CHECK(gaps.discontinuities() == 2);  // 0->max, 1->2^63
}
