// What viewers and the log are told about the source: a camera that hangs is
// reported lost everywhere, and heartbeats carry the last frame captured even
// when nobody was watching it.
#include "support/daemon_process.hpp"
#include "support/viewer_group.hpp"

#include <doctest/doctest.h>

#include <thread>

using namespace camstream;
using namespace camstream::test;
using namespace std::chrono_literals;

TEST_CASE("source health: a hung camera is reported lost in heartbeats and the stats line, and live before it hangs") {
    DaemonProcess daemon({"source.uri=testpattern:hang-after=2s", "source.width=320", "source.height=240",
                          "source.fps=20", "viewer.heartbeat_interval=200ms", "log.stats_interval=1s"});
    INFO("daemon log:\n" << daemon.log_tail());
    // max_fps 1: heartbeats come between frames while the source is alive.
    TestClient viewer(daemon.port());
    REQUIRE(viewer.handshake(1).accepted());
    TestClient* self[] = {&viewer};
    pump_for(self, 6s);
    CAPTURE(viewer.summary());

    const auto& heartbeats = viewer.heartbeats();
    REQUIRE(heartbeats.size() >= 10);
    bool saw_live = false;
    bool saw_lost = false;
    for (const auto& heartbeat : heartbeats) {
        const auto& beat = heartbeat.heartbeat;
        if (beat.state == wire::SourceState::live) {
            saw_live = true;
            // Live means frames arrive: no live heartbeat after the camera fell silent for 2 s.
            CHECK(beat.last_frame_age_ms < 2100);
            CHECK_FALSE(saw_lost);
        }
        if (beat.state == wire::SourceState::lost) {
            saw_lost = true;
            CHECK(beat.last_frame_age_ms >= 2000);
            CHECK(beat.last_frame_age_ms != 0xFFFFFFFFu);
        }
    }
    CHECK(saw_live);
    CHECK(saw_lost);
    CHECK(heartbeats.back().heartbeat.state == wire::SourceState::lost);
    CHECK(daemon.wait_for_log("source=lost fps_captured=0.0", 5s));
    CHECK(daemon.stop().exited_with(0));
}

TEST_CASE("source health: heartbeats carry the last frame captured, even one nobody watched") {
    // At 0.5 fps, frames are captured (not encoded) before anyone connects.
    DaemonProcess daemon({"source.width=320", "source.height=240", "source.fps=0.5",
                          "viewer.heartbeat_interval=200ms"});
    INFO("daemon log:\n" << daemon.log_tail());
    REQUIRE(daemon.wait_for_log("is live", 5s));
    std::this_thread::sleep_for(2500ms);  // at least one more frame captured, unwatched
    TestClient viewer(daemon.port());
    REQUIRE(viewer.handshake().accepted());
    TestClient* self[] = {&viewer};
    pump_until(self, [&] { return !viewer.heartbeats().empty(); }, 3s);
    CAPTURE(viewer.summary());
    REQUIRE_FALSE(viewer.heartbeats().empty());
    const auto& first = viewer.heartbeats().front();
    // Its frame was captured but, with no viewer then, never sent to anyone.
    CHECK(first.sequence >= 2);
    CHECK(first.heartbeat.state == wire::SourceState::live);
    CHECK(daemon.stop().exited_with(0));
}
