// Health: capture liveness as viewers and the watchdog see it, and counters
// summed over protocols.
#include "hub/health.hpp"

#include <doctest/doctest.h>

using namespace camstream;

namespace {
constexpr std::int64_t kSecond = 1'000'000;
constexpr std::int64_t kStart = 1'700'000'000 * kSecond;

CaptureStatus live_at(std::int64_t last_capture_us) {
    CaptureStatus status;
    status.state = wire::SourceState::live;
    status.last_capture_us = last_capture_us;
    return status;
}
}  // namespace

TEST_CASE("health: a capture is alive in its start-up grace, then only while frames arrive") {
    Health health;
    health.capture_started(kStart, 30);
    CHECK(health.source_state(kStart) == wire::SourceState::starting);
    CHECK(health.capture_alive(kStart + 5 * kSecond));
    CHECK_FALSE(health.capture_alive(kStart + 11 * kSecond));
    CHECK_FALSE(health.last_frame_age_ms(kStart).has_value());

    health.capture_reported(live_at(kStart + kSecond));
    CHECK(health.source_state(kStart + kSecond + 100'000) == wire::SourceState::live);
    CHECK(*health.last_frame_age_ms(kStart + 2 * kSecond) == 1000);
}

TEST_CASE("health: a source whose frames stopped is lost, even while the capture thread says live") {
    Health health;
    health.capture_started(kStart, 30);
    health.capture_reported(live_at(kStart));
    // 30 fps: three frame intervals are under the two-second floor.
    CHECK(health.source_state(kStart + 1'900'000) == wire::SourceState::live);
    CHECK(health.source_state(kStart + 2'100'000) == wire::SourceState::lost);
    CHECK_FALSE(health.capture_alive(kStart + 2'100'000));
}

TEST_CASE("health: a slow source gets three frame intervals before it counts as lost") {
    Health health;
    health.capture_started(kStart, 0.2);  // a frame every 5 s
    health.capture_reported(live_at(kStart));
    CHECK(health.source_state(kStart + 14 * kSecond) == wire::SourceState::live);
    CHECK(health.source_state(kStart + 16 * kSecond) == wire::SourceState::lost);
}

TEST_CASE("health: counters are kept per protocol and summed once") {
    Health health;
    const int tcp = health.add_protocol("tcp");
    const int http = health.add_protocol("http");
    health.connection_opened(tcp);
    health.connection_opened(http);
    health.viewer_joined(tcp);
    health.viewer_joined(http);
    health.count_dropped(tcp, DropCause::queue_full, 3);
    health.count_dropped(http, DropCause::limits_lowered, 2);
    health.count_rejection(tcp, Rejection::server_full);
    Frame frame;
    frame.times.handed_over_us = kStart;
    health.count_sent(http, frame, 1000, kStart + 1500);
    CHECK(health.viewers() == 2);
    CHECK(health.open_connections() == 2);
    CHECK(health.frames_dropped() == 5);
    CHECK(health.rejections() == 1);
    CHECK(health.frames_sent() == 1);
    CHECK(health.protocols()[1].bytes_sent == 1000);
    CHECK(health.latencies().send.count() == 1);
    health.viewer_left(tcp);
    health.connection_closed(tcp);
    CHECK(health.viewers() == 1);
    CHECK(health.open_connections() == 1);
}
