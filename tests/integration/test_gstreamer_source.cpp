// Integration: a gstreamer: source, the way a Raspberry Pi Camera Module is
// read (libcamerasrc), run here with GStreamer's videotestsrc in its place.
// A pipeline that cannot start is reported and retried while the daemon serves.
#include "support/daemon_process.hpp"
#include "support/test_client.hpp"
#include "support/viewer_group.hpp"

#include <doctest/doctest.h>
#include <opencv2/imgcodecs.hpp>

using namespace camstream;
using namespace camstream::test;
using namespace std::chrono_literals;

TEST_CASE("gstreamer source: a live pipeline is encoded and streamed at its own size") {
    DaemonProcess daemon({"source.uri=gstreamer:videotestsrc is-live=true pattern=ball ! "
                          "video/x-raw,width=320,height=240,framerate=15/1",
                          "source.width=1280", "source.height=720"});
    INFO("daemon log:\n" << daemon.log_tail());
    TestClient viewer(daemon.port(), TestClient::Options{.keep_payloads = true});
    const auto hello = viewer.handshake();
    REQUIRE(hello.accepted());
    CHECK(hello.info.width == 320);  // the pipeline's caps, not source.width
    CHECK(hello.info.height == 240);
    REQUIRE(viewer.receive_frames(10, 15s));
    for (const auto& payload : viewer.payloads()) {
        const auto picture = cv::imdecode(payload, cv::IMREAD_COLOR);
        CHECK(picture.cols == 320);
        CHECK(picture.rows == 240);
    }
    CHECK(sequence_violations(viewer.frames()) == 0);
    CHECK(daemon.stop().exited_with(0));
}

TEST_CASE("gstreamer source: a pipeline that cannot start is reported, and viewers hear the source is lost") {
    DaemonProcess daemon({"source.uri=gstreamer:nosuchcamerasrc ! video/x-raw,width=320,height=240"});
    INFO("daemon log:\n" << daemon.log_tail());
    CHECK(daemon.wait_for_log("the GStreamer pipeline 'nosuchcamerasrc ! video/x-raw,width=320,height=240' is not "
                              "valid: no element \"nosuchcamerasrc\"",
                              10s));
    TestClient viewer(daemon.port());
    REQUIRE(viewer.handshake().accepted());
    REQUIRE(wait_until([&] { viewer.read_available(); return !viewer.heartbeats().empty(); }, 10s));
    CHECK(viewer.heartbeats().back().heartbeat.state == wire::SourceState::lost);
    CHECK(daemon.stop().exited_with(0));
}
