// Integration: one camstreamd, many viewers. Every viewer gets the stream in order,
// as whole JPEGs, encoded once per frame; frame-rate caps and heartbeats work.
#include "support/daemon_process.hpp"
#include "support/viewer_group.hpp"

#include <doctest/doctest.h>

#include <map>
#include <set>

using namespace camstream::test;
namespace wire = camstream::wire;
using namespace std::chrono_literals;

namespace {

const std::vector<std::string> k320x240at30{"source.width=320", "source.height=240",
                                            "source.fps=30"};

}  // namespace

TEST_CASE("heavy: fanout: 20 viewers each receive increasing frames of valid JPEGs") {
    const auto test_start_us = system_now_us();
    DaemonProcess daemon(k320x240at30);
    INFO("daemon log:\n" << daemon.log_tail());

    ViewerGroup viewers(daemon.port(), 20);
    handshake_all(viewers.all());
    for (auto* viewer : viewers.all()) {
        const auto& hello = *viewer->server_hello();
        CAPTURE(viewer->summary());
        REQUIRE(hello.accepted());
        CHECK(hello.info.width == 320);
        CHECK(hello.info.height == 240);
        CHECK(hello.info.fps_milli == 30000);
        CHECK(hello.info.codec == wire::Codec::jpeg);
        CHECK(hello.info.server_version.rfind("camstreamd ", 0) == 0);
    }

    // 30 frames take one second at 30 fps; the bound is for a sanitizer build on a busy machine.
    const bool all_received =
        pump_until(viewers.all(), [&] { return viewers.fewest_frames() >= 30; }, 60s);
    CHECK(all_received);
    const auto now_us = system_now_us();

    // Frame sequence -> (payload bytes' digest, timestamp) as the first viewer to get it saw it.
    std::map<std::uint64_t, std::pair<std::uint64_t, std::uint64_t>> first_seen;
    std::size_t disagreements = 0;
    std::set<std::uint64_t> common;  // sequences every viewer received
    for (std::size_t i = 0; i < viewers.size(); ++i) {
        const auto& viewer = viewers[i];
        const auto& frames = viewer.frames();
        CAPTURE(viewer.summary());
        CHECK(frames.size() >= 30);
        CHECK_FALSE(viewer.ended());
        CHECK(sequence_violations(frames) == 0);
        CHECK(invalid_jpegs(frames) == 0);
        std::set<std::uint64_t> seen;
        for (const auto& frame : frames) {
            CHECK(frame.sequence >= 1);
            // Capture time in µs since the epoch: after the daemon started, not in the future.
            CHECK(frame.timestamp_us + 1'000'000 >= test_start_us);
            CHECK(frame.timestamp_us <= now_us + 1'000'000);
            const auto [entry, inserted] =
                first_seen.try_emplace(frame.sequence, frame.payload_digest, frame.timestamp_us);
            if (!inserted && entry->second != std::pair(frame.payload_digest, frame.timestamp_us)) {
                ++disagreements;
            }
            seen.insert(frame.sequence);
        }
        for (std::size_t j = 1; j < frames.size(); ++j) {
            CHECK(frames[j].timestamp_us >= frames[j - 1].timestamp_us);
        }
        if (i == 0) {
            common = seen;
        } else {
            std::set<std::uint64_t> both;
            for (const auto sequence : common) {
                if (seen.count(sequence) != 0) both.insert(sequence);
            }
            common = both;
        }
        CHECK(daemon.log_text().find("viewer " + viewer.peer_name() + " connected") !=
              std::string::npos);
    }
    // A frame is encoded once and shared: every viewer gets the same bytes for it.
    CHECK(disagreements == 0);
    CHECK(common.size() >= 10);

    CHECK(daemon.stop().exited_with(0));
}

TEST_CASE("heavy: fanout: a viewer asking for max_fps 5 gets about 5 fps while others get about 30") {
    DaemonProcess daemon(k320x240at30);
    INFO("daemon log:\n" << daemon.log_tail());

    TestClient capped(daemon.port());
    ViewerGroup others(daemon.port(), 3);
    const auto everyone = others.with({&capped});
    capped.send_hello(5);
    for (auto* viewer : others.all()) viewer->send_hello(0);
    wait_for_hellos(everyone);
    REQUIRE(capped.server_hello()->accepted());

    pump_for(everyone, 1500ms);  // warm-up
    const auto window_start = Clock::now();
    pump_for(everyone, 4s);
    const auto window_end = Clock::now();
    const double seconds = std::chrono::duration<double>(window_end - window_start).count();

    const auto capped_frames = capped.frames_between(window_start, window_end);
    CAPTURE(capped.summary());
    CAPTURE(seconds);
    // 5 fps over the window, with room for a frame at either edge and timer jitter;
    // a cap that does nothing would give ~30 fps, one that starves would give 0.
    CHECK(capped_frames <= static_cast<std::size_t>(5 * seconds * 1.25 + 2));
    CHECK(capped_frames >= static_cast<std::size_t>(5 * seconds * 0.5));
    CHECK(sequence_violations(capped.frames()) == 0);
    CHECK(invalid_jpegs(capped.frames()) == 0);
    // Spacing by capture time: on average at least ~1/5 s between delivered frames.
    const auto& frames = capped.frames();
    REQUIRE(frames.size() >= 2);
    const double mean_gap_ms = static_cast<double>(frames.back().timestamp_us - frames.front().timestamp_us) /
                               1000.0 / static_cast<double>(frames.size() - 1);
    CAPTURE(mean_gap_ms);
    CHECK(mean_gap_ms >= 160.0);

    for (auto* viewer : others.all()) {
        CAPTURE(viewer->summary());
        CHECK(viewer->frames_between(window_start, window_end) >=
              static_cast<std::size_t>(30 * seconds * 0.8));
        CHECK(sequence_violations(viewer->frames()) == 0);
    }
    CHECK(daemon.stop().exited_with(0));
}

TEST_CASE("fanout: a viewer that gets few frames hears heartbeats saying the source is live") {
    const auto test_start_us = system_now_us();
    DaemonProcess daemon({"source.width=320", "source.height=240", "source.fps=30",
                          "viewer.heartbeat_interval=200ms"});
    INFO("daemon log:\n" << daemon.log_tail());

    // At 1 fps this viewer goes a second without frames, five heartbeat intervals.
    TestClient viewer(daemon.port());
    REQUIRE(viewer.handshake(1).accepted());
    TestClient* self[] = {&viewer};
    pump_for(self, 4s);
    CAPTURE(viewer.summary());

    const auto& heartbeats = viewer.heartbeats();
    CHECK(heartbeats.size() >= 4);
    CHECK(viewer.frames().size() >= 2);
    const auto now_us = system_now_us();
    for (const auto& heartbeat : heartbeats) {
        CHECK(heartbeat.payload_valid);
        CHECK(heartbeat.heartbeat.state == wire::SourceState::live);
        // The source runs at 30 fps, so its last frame is recent.
        CHECK(heartbeat.heartbeat.last_frame_age_ms < 1000);
        CHECK(heartbeat.sequence >= 1);
        CHECK(heartbeat.timestamp_us + 1'000'000 >= test_start_us);
        CHECK(heartbeat.timestamp_us <= now_us + 1'000'000);
    }
    // A heartbeat carries the latest captured sequence: never behind a frame already delivered.
    for (const auto& heartbeat : heartbeats) {
        for (const auto& frame : viewer.frames()) {
            if (frame.received_at < heartbeat.received_at) CHECK(heartbeat.sequence >= frame.sequence);
        }
    }
    CHECK(daemon.stop().exited_with(0));
}
