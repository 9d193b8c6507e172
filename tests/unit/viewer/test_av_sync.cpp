// Unit tests of camview's A/V sync (viewer/sync/av_sync.*): a frame is presented
// when the sound captured with it is heard, with the offset reported; a frame
// too late for the sound is dropped; one too early is not held for ever; and
// without sound frames go out as they arrive.
#include "sync/av_sync.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <optional>

using camstream::viewer::FrameScheduler;
using camstream::viewer::SteadyClock;
using namespace std::chrono_literals;

namespace {

constexpr std::int64_t kT0 = 1'700'000'000'000'000;  // µs since the epoch
const SteadyClock::time_point kNow = SteadyClock::time_point{} + 1000s;

}  // namespace

TEST_CASE("viewer A/V sync: a frame waits until the audio clock reaches it, then reports the offset") {
    FrameScheduler<int> scheduler;
    scheduler.push(7, kT0, kNow);
    CHECK_FALSE(scheduler.next(kNow + 10ms, kT0 - 30'000));  // its sound is 30 ms away
    CHECK_FALSE(scheduler.next(kNow + 39ms, kT0 - 1'000));
    const auto presented = scheduler.next(kNow + 42ms, kT0 + 2'000);
    REQUIRE(presented);
    CHECK(presented->frame == 7);
    REQUIRE(presented->av_offset_ms);
    CHECK(*presented->av_offset_ms == doctest::Approx(-2.0));
    CHECK_FALSE(scheduler.next(kNow + 50ms, kT0 + 10'000));  // nothing else queued
    CHECK(scheduler.dropped() == 0);
}

TEST_CASE("viewer A/V sync: frames are presented in capture order as the clock passes them") {
    FrameScheduler<int> scheduler;
    for (int i = 0; i < 3; ++i) scheduler.push(i, kT0 + i * 33'000, kNow);
    CHECK(scheduler.next(kNow, kT0)->frame == 0);
    CHECK_FALSE(scheduler.next(kNow, kT0 + 20'000));
    CHECK(scheduler.next(kNow, kT0 + 34'000)->frame == 1);
    CHECK(scheduler.next(kNow, kT0 + 70'000)->frame == 2);
}

TEST_CASE("viewer A/V sync: a frame more than half a second behind the sound is dropped") {
    FrameScheduler<int> scheduler;
    scheduler.push(1, kT0, kNow);
    scheduler.push(2, kT0 + 400'000, kNow);
    const auto presented = scheduler.next(kNow, kT0 + 600'000);
    REQUIRE(presented);
    CHECK(presented->frame == 2);  // 200 ms late: shown; frame 1, 600 ms late: dropped
    CHECK(*presented->av_offset_ms == doctest::Approx(-200.0));
    CHECK(scheduler.dropped() == 1);
}

TEST_CASE("viewer A/V sync: a frame far ahead of the sound is shown after half a second anyway") {
    FrameScheduler<int> scheduler;
    scheduler.push(1, kT0 + 5'000'000, kNow);  // a sender whose clocks disagree by 5 s
    CHECK_FALSE(scheduler.next(kNow + 499ms, kT0));
    const auto presented = scheduler.next(kNow + 500ms, kT0);
    REQUIRE(presented);
    CHECK(*presented->av_offset_ms == doctest::Approx(5000.0));
}

TEST_CASE("viewer A/V sync: without sound, frames are presented as they arrive") {
    FrameScheduler<int> scheduler;
    scheduler.push(1, kT0 + 5'000'000, kNow);
    scheduler.push(2, kT0 - 5'000'000, kNow);
    const auto first = scheduler.next(kNow, std::nullopt);
    REQUIRE(first);
    CHECK(first->frame == 1);
    CHECK_FALSE(first->av_offset_ms);
    CHECK(scheduler.next(kNow, std::nullopt)->frame == 2);
    CHECK(scheduler.dropped() == 0);
}

TEST_CASE("viewer A/V sync: a full queue drops its oldest frame") {
    camstream::viewer::SyncPolicy policy;
    policy.max_queued = 2;
    FrameScheduler<int> scheduler(policy);
    for (int i = 1; i <= 3; ++i) scheduler.push(i, kT0, kNow);
    CHECK(scheduler.dropped() == 1);
    CHECK(scheduler.next(kNow, std::nullopt)->frame == 2);
}
