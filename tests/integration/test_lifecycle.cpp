// Integration: the daemon's life cycle as viewers see it: connection and
// disconnection logging, and a graceful SIGTERM that says GOODBYE to everyone.
#include "support/daemon_process.hpp"
#include "support/viewer_group.hpp"

#include <doctest/doctest.h>

#include <signal.h>

using namespace camstream::test;
namespace wire = camstream::wire;
using namespace std::chrono_literals;

TEST_CASE("lifecycle: SIGTERM says GOODBYE shutting down to every viewer and exits 0") {
    DaemonProcess daemon({"source.width=320", "source.height=240", "source.fps=20"});
    INFO("daemon log:\n" << daemon.log_tail());
    ViewerGroup viewers(daemon.port(), 3);
    handshake_all(viewers.all());
    REQUIRE(pump_until(viewers.all(), [&] { return viewers.fewest_frames() >= 3; }, 20s));

    REQUIRE(daemon.send_signal(SIGTERM));
    const bool all_closed = pump_until(
        viewers.all(),
        [&] {
            for (auto* viewer : viewers.all()) {
                if (!viewer->ended()) return false;
            }
            return true;
        },
        15s);
    CHECK(all_closed);
    for (auto* viewer : viewers.all()) {
        CAPTURE(viewer->summary());
        REQUIRE(viewer->goodbye().has_value());
        CHECK(viewer->goodbye()->reason == wire::Reason::shutting_down);
        CHECK(viewer->ending() == Ending::end_of_stream);
        CHECK(sequence_violations(viewer->frames()) == 0);
        CHECK(invalid_jpegs(viewer->frames()) == 0);
    }
    const auto status = daemon.wait_for_exit(15s);
    REQUIRE(status.has_value());
    CHECK(status->exited_with(0));
}

TEST_CASE("lifecycle: the log records each viewer's connection and its departure") {
    DaemonProcess daemon({"source.width=320", "source.height=240", "source.fps=20"});
    INFO("daemon log:\n" << daemon.log_tail());
    std::string name;
    {
        TestClient viewer(daemon.port());
        name = viewer.peer_name();
        REQUIRE(viewer.handshake().accepted());
        CHECK(viewer.receive_frames(3, 20s));
        CHECK(daemon.wait_for_log("viewer " + name + " connected", 5s));
    }  // the viewer closes its socket
    const auto line = daemon.wait_for_log_line("viewer " + name + " disconnected", 10s);
    REQUIRE(line.has_value());
    CHECK(line->find("closed by peer") != std::string::npos);

    // The daemon keeps serving newcomers after a departure.
    TestClient next(daemon.port());
    REQUIRE(next.handshake().accepted());
    CHECK(next.receive_frames(3, 20s));
    CHECK(daemon.stop().exited_with(0));
}
