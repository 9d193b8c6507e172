// Integration: admission of viewers by credentials. Access control is not
// configured here, so a token is not checked: a viewer presenting one is served
// like any other, and the daemon says once, for that connection, that the token
// went unchecked (an operator who expected it to be checked learns otherwise).
#include "support/daemon_process.hpp"
#include "support/viewer_group.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <sstream>

using namespace camstream::test;
using namespace std::chrono_literals;

namespace {

// The complete lines of `log` that contain every one of `needles`.
std::vector<std::string> lines_with(const std::string& log, std::initializer_list<std::string_view> needles) {
    std::vector<std::string> found;
    std::istringstream in(log);
    for (std::string line; std::getline(in, line);) {
        if (in.eof()) break;  // the last line may still be being written
        if (std::all_of(needles.begin(), needles.end(),
                        [&](std::string_view needle) { return line.find(needle) != std::string::npos; })) {
            found.push_back(line);
        }
    }
    return found;
}

}  // namespace

TEST_CASE("admission: with access control off a token is accepted, not checked, and said so once") {
    constexpr std::string_view kNotChecked = "access control is off";
    const std::string token = "kitchen-camera-7f3a";
    DaemonProcess daemon({"source.width=320", "source.height=240", "source.fps=20"});
    INFO("daemon log:\n" << daemon.log_tail());

    TestClient without_token(daemon.port());
    REQUIRE(without_token.handshake().accepted());
    TestClient with_token(daemon.port());
    REQUIRE(with_token.send_hello(0, token));
    TestClient* both[] = {&without_token, &with_token};
    wait_for_hellos(both);
    CAPTURE(without_token.summary());
    CAPTURE(with_token.summary());
    // How the daemon names each of them at the start of a line about it.
    const auto with_token_named = "viewer " + with_token.peer_name() + " ";
    const auto without_token_named = "viewer " + without_token.peer_name() + " ";

    // Served as before: accepted with the same stream, whole frames in order.
    REQUIRE(with_token.server_hello()->accepted());
    const auto& info = with_token.server_hello()->info;
    CHECK(info.width == 320);
    CHECK(info.height == 240);
    CHECK(info.fps_milli == without_token.server_hello()->info.fps_milli);
    CHECK(pump_until(
        both, [&] { return without_token.frames().size() >= 10 && with_token.frames().size() >= 10; }, 20s));
    const auto said = pump_until(
        both, [&] { return !lines_with(daemon.log_text(), {with_token_named, kNotChecked}).empty(); }, 5s);
    // More frames afterwards, so a line repeated per frame or per tick would show.
    const auto frames_before = with_token.frames().size();
    CHECK(pump_until(both, [&] { return with_token.frames().size() >= frames_before + 10; }, 20s));
    for (const auto* viewer : both) {
        CHECK_FALSE(viewer->ended());
        CHECK(sequence_violations(viewer->frames()) == 0);
        CHECK(invalid_jpegs(viewer->frames()) == 0);
    }

    const auto log = daemon.log_text();
    CHECK(said);
    CHECK(lines_with(log, {with_token_named + "connected"}).size() == 1);
    CHECK(lines_with(log, {with_token_named, kNotChecked}).size() == 1);
    // The viewer without a token is not mentioned, and nothing else is.
    CHECK(lines_with(log, {without_token_named, kNotChecked}).empty());
    CHECK(lines_with(log, {kNotChecked}).size() == 1);
    // A token is a credential: it is never written to the log.
    CHECK(log.find(token) == std::string::npos);
    CHECK(daemon.stop().exited_with(0));
}
