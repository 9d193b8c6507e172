// Integration: camstreamd speaking systemd's protocols, driven through the real
// binary: sd_notify (READY, STATUS, WATCHDOG, RELOADING, STOPPING) on a notify
// socket the test owns, the watchdog falling silent when the camera hangs, live
// reload with viewers connected, socket activation through systemd's own
// systemd-socket-activate, and configuration errors with file:line:column.
#include "support/daemon_process.hpp"
#include "support/fake_camera.hpp"
#include "support/test_client.hpp"

#include <doctest/doctest.h>

#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

using namespace camstream::test;
using namespace std::chrono_literals;

namespace {

// The socket systemd would own: a Unix datagram socket named by NOTIFY_SOCKET.
class NotifySocket {
public:
    struct Message {
        std::string text;
        Clock::time_point at;
    };

    NotifySocket() : path_(dir_.path() / "notify") {
        fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        REQUIRE(fd_ >= 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        const auto name = path_.string();
        REQUIRE(name.size() < sizeof(address.sun_path));
        std::copy(name.begin(), name.end(), address.sun_path);
        REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
        timeval timeout{0, 50'000};
        setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    }
    ~NotifySocket() { close(fd_); }
    NotifySocket(const NotifySocket&) = delete;
    NotifySocket& operator=(const NotifySocket&) = delete;

    std::string environment() const { return "NOTIFY_SOCKET=" + path_.string(); }

    // Waits for a message containing `needle` that arrived at or after `since`.
    bool wait_for(std::string_view needle, Duration timeout, Clock::time_point since = {}) {
        return wait_until(
            [&] {
                receive_pending();
                return count(needle, since, Clock::time_point::max()) > 0;
            },
            timeout, 0ms);
    }
    // Receives everything that arrives within `duration`.
    void collect_for(Duration duration) {
        const auto deadline = Clock::now() + duration;
        while (Clock::now() < deadline) receive_pending();
    }
    std::size_t count(std::string_view needle, Clock::time_point from, Clock::time_point to) const {
        return static_cast<std::size_t>(std::count_if(messages_.begin(), messages_.end(), [&](const Message& m) {
            return m.text.find(needle) != std::string::npos && m.at >= from && m.at < to;
        }));
    }
    std::string transcript() const {
        std::string text;
        for (const auto& message : messages_) text += "[" + message.text + "] ";
        return text;
    }

private:
    // Reads the datagrams waiting now (blocking at most 50 ms for the first).
    void receive_pending() {
        char buffer[4096];
        for (;;) {
            const auto length = recv(fd_, buffer, sizeof(buffer), 0);
            if (length <= 0) return;
            messages_.push_back({std::string(buffer, static_cast<std::size_t>(length)), Clock::now()});
        }
    }

    TempDir dir_{"notify"};
    std::filesystem::path path_;
    int fd_ = -1;
    std::vector<Message> messages_;
};

void write_text(const std::filesystem::path& path, const std::string& text) {
    std::ofstream file(path, std::ios::trunc);
    file << text;
}

std::string small_config(int jpeg_quality) {
    return "source:\n  uri: testpattern\n  width: 320\n  height: 240\n  fps: 20\n"
           "encoder:\n  jpeg_quality: " +
           std::to_string(jpeg_quality) + "\nserver:\n  listen: 127.0.0.1:0\n";
}

// A test pattern at `fps` (0.2 fps: one frame every 5 s) and heartbeats after
// `heartbeat_interval` of silence.
std::string slow_source_config(const std::string& fps, Duration heartbeat_interval) {
    return "source:\n  uri: testpattern\n  width: 320\n  height: 240\n  fps: " + fps +
           "\nviewer:\n  heartbeat_interval: " + std::to_string(heartbeat_interval.count()) +
           "ms\nserver:\n  listen: 127.0.0.1:0\n";
}

double mean_payload(const std::vector<ReceivedFrame>& frames, std::size_t first) {
    double total = 0;
    for (std::size_t i = first; i < frames.size(); ++i) total += frames[i].payload_size;
    return frames.size() > first ? total / static_cast<double>(frames.size() - first) : 0.0;
}

// A daemon started from a configuration file of the test's own, with one viewer
// streaming, and the file rewritten and reloaded on demand.
struct ReloadableDaemon {
    explicit ReloadableDaemon(const std::string& config_text)
        : config(write(dir.path() / "camstreamd.yaml", config_text)), daemon({}, {}, config.string()),
          viewer(daemon.port()) {
        REQUIRE(viewer.handshake().accepted());
    }
    static std::filesystem::path write(const std::filesystem::path& path, const std::string& text) {
        write_text(path, text);
        return path;
    }
    void reload(const std::string& config_text) {
        write_text(config, config_text);
        REQUIRE(daemon.send_signal(SIGHUP));
    }

    TempDir dir{"reload"};
    std::filesystem::path config;
    DaemonProcess daemon;
    TestClient viewer;
};

bool increasing(const std::vector<ReceivedFrame>& frames) {
    return std::adjacent_find(frames.begin(), frames.end(), [](const auto& a, const auto& b) {
               return b.sequence <= a.sequence;
           }) == frames.end();
}

}  // namespace

TEST_CASE("service: READY, STATUS, WATCHDOG, RELOADING and STOPPING reach the notify socket") {
    NotifySocket notify;
    // A 900 ms watchdog: camstreamd pings every 300 ms while frames arrive.
    DaemonProcess daemon({"source.width=320", "source.height=240", "source.fps=20"},
                         {notify.environment(), "WATCHDOG_USEC=900000"});
    INFO("daemon log:\n" << daemon.log_tail());
    REQUIRE(notify.wait_for("READY=1", 10s));
    CHECK(notify.wait_for("STATUS=0 viewers, source ", 1s));

    const auto watch_from = Clock::now();
    notify.collect_for(2s);
    INFO("notify messages: " << notify.transcript());
    CHECK(notify.count("WATCHDOG=1", watch_from, Clock::now()) >= 3);

    // STATUS follows what happens: the viewer shows up in it.
    TestClient viewer(daemon.port());
    REQUIRE(viewer.handshake().accepted());
    CHECK(notify.wait_for("STATUS=1 viewers", 10s));

    const auto reload_at = Clock::now();
    REQUIRE(daemon.send_signal(SIGHUP));
    CHECK(notify.wait_for("RELOADING=1", 10s, reload_at));
    CHECK(notify.count("MONOTONIC_USEC=", reload_at, Clock::time_point::max()) == 1);
    CHECK(notify.wait_for("READY=1", 10s, reload_at));

    const auto stop_at = Clock::now();
    REQUIRE(daemon.send_signal(SIGTERM));
    CHECK(notify.wait_for("STOPPING=1", 10s, stop_at));
    const auto status = daemon.wait_for_exit(15s);
    REQUIRE(status.has_value());
    CHECK(status->exited_with(0));
}

TEST_CASE("service: without WATCHDOG_USEC no watchdog pings are sent") {
    NotifySocket notify;
    DaemonProcess daemon({"source.width=320", "source.height=240"}, {notify.environment()});
    INFO("daemon log:\n" << daemon.log_tail());
    REQUIRE(notify.wait_for("READY=1", 10s));
    notify.collect_for(1500ms);
    INFO("notify messages: " << notify.transcript());
    CHECK(notify.count("WATCHDOG=1", {}, Clock::time_point::max()) == 0);
}

TEST_CASE("service: the watchdog falls silent when the camera hangs, so systemd restarts it") {
    NotifySocket notify;
    // The test pattern's grab() blocks forever after 2 s, as a hung camera read does.
    DaemonProcess daemon({"source.uri=testpattern:hang-after=2s", "source.width=320", "source.height=240",
                          "source.fps=20"},
                         {notify.environment(), "WATCHDOG_USEC=600000"});
    INFO("daemon log:\n" << daemon.log_tail());
    REQUIRE(notify.wait_for("READY=1", 10s));
    const auto started = Clock::now();
    notify.collect_for(1500ms);
    INFO("notify messages: " << notify.transcript());
    // Alive while frames arrive ...
    CHECK(notify.count("WATCHDOG=1", started, Clock::now()) >= 3);
    // ... and silent once the last frame is more than two seconds old (hang at
    // 2 s + 2 s bound + slack for a slow sanitizer build).
    // Keep reading the notify socket meanwhile, as systemd does: sd_notify blocks
    // the daemon once ten datagrams wait unread.
    REQUIRE(wait_until(
        [&] {
            notify.collect_for(50ms);
            return daemon.count_in_log("withholding the systemd watchdog ping") > 0;
        },
        15s));
    // Drain the pings sent before that, which waited in the socket meanwhile.
    notify.collect_for(300ms);
    const auto silent_from = Clock::now();
    notify.collect_for(2s);
    CHECK(notify.count("WATCHDOG=1", silent_from, Clock::now()) == 0);
    // Stopping still works: the hung grab is interrupted.
    CHECK(daemon.stop().exited_with(0));
}

TEST_CASE("service: the watchdog falls silent while the camera is unplugged, and is fed again once it is back") {
    NotifySocket notify;
    FakeCamera camera({{"formats", "YUYV"}, {"sizes", "320x240"}, {"fps", "20"}});
    DaemonProcess daemon({"source.uri=v4l2:" + camera.path().string(), "source.width=320", "source.height=240",
                          "source.fps=20", "source.retry_initial=200ms", "source.retry_max=500ms"},
                         [&] {
                             auto environment = camera.env();
                             environment.push_back(notify.environment());
                             environment.push_back("WATCHDOG_USEC=600000");
                             return environment;
                         }());
    INFO("daemon log:\n" << daemon.log_tail());
    REQUIRE(notify.wait_for("READY=1", 10s));
    camera.unplug();
    REQUIRE(wait_until(
        [&] {
            notify.collect_for(50ms);
            return daemon.count_in_log("withholding the systemd watchdog ping") > 0;
        },
        15s));
    notify.collect_for(300ms);
    const auto silent_from = Clock::now();
    notify.collect_for(1500ms);
    INFO("notify messages: " << notify.transcript());
    CHECK(notify.count("WATCHDOG=1", silent_from, Clock::now()) == 0);

    camera.plug();
    REQUIRE(daemon.wait_for_log("is back", 10s));
    notify.collect_for(300ms);
    const auto back_from = Clock::now();
    notify.collect_for(1500ms);
    CHECK(notify.count("WATCHDOG=1", back_from, Clock::now()) >= 2);
    CHECK(daemon.stop().exited_with(0));
}

TEST_CASE("reload: a valid change applies while the same viewers stay connected") {
    ReloadableDaemon setup(small_config(95));
    auto& daemon = setup.daemon;
    auto& viewer = setup.viewer;
    INFO("daemon log:\n" << daemon.log_tail());
    REQUIRE(viewer.receive_frames(20, 20s));
    const double before = mean_payload(viewer.frames(), 5);

    setup.reload(small_config(10));
    REQUIRE(daemon.wait_for_log("reload applied: JPEG quality 10", 10s));
    const auto first_after = viewer.frames().size() + 5;  // frames already queued may be old
    REQUIRE(viewer.receive_frames(20, 20s));
    const double after = mean_payload(viewer.frames(), first_after);
    CAPTURE(before);
    CAPTURE(after);
    CHECK(after < before * 0.6);
    CHECK_FALSE(viewer.ended());
    CHECK(increasing(viewer.frames()));
    CHECK(daemon.count_in_log("disconnected") == 0);
}

TEST_CASE("reload: a source change reopens only the source and viewers keep receiving") {
    ReloadableDaemon setup(small_config(80));
    auto& daemon = setup.daemon;
    auto& viewer = setup.viewer;
    INFO("daemon log:\n" << daemon.log_tail());
    REQUIRE(viewer.receive_frames(10, 20s));

    std::string bigger = small_config(80);
    bigger.replace(bigger.find("width: 320"), 10, "width: 480");
    setup.reload(bigger);
    REQUIRE(daemon.wait_for_log("reload: reopening the source", 10s));
    REQUIRE(viewer.receive_frames(10, 20s));
    CHECK_FALSE(viewer.ended());
    // Numbering carries on across the new capture thread.
    CHECK(increasing(viewer.frames()));
    // Newcomers are told the new size.
    TestClient newcomer(daemon.port());
    const auto hello = newcomer.handshake();
    REQUIRE(hello.accepted());
    CHECK(hello.info.width == 480);
}

TEST_CASE("reload: the loop never blocks while the source reopens") {
    // At 0.2 fps the source's thread sleeps 5 s between frames. Reopening the
    // source must not make the event loop wait for that sleep (or for anything the
    // old source does): a newcomer is greeted at once, and the viewer already
    // connected keeps hearing from the daemon every heartbeat interval.
    constexpr Duration kHeartbeatInterval = 200ms;
    constexpr Duration kLongestSilence = 2 * kHeartbeatInterval + 300ms;
    constexpr Duration kHelloWithin = 100ms;
    constexpr Duration kWatched = 6s;
    ReloadableDaemon setup(slow_source_config("0.2", kHeartbeatInterval));
    auto& daemon = setup.daemon;
    auto& viewer = setup.viewer;
    INFO("daemon log:\n" << daemon.log_tail());
    // Just after a frame the source's thread has begun its 5 s sleep, so the
    // reload lands at the worst moment.
    REQUIRE(viewer.receive_frames(1, 15s));

    setup.reload(slow_source_config("0.25", kHeartbeatInterval));
    const auto reload_at = Clock::now();
    // The newcomer connects once the daemon is at work on the reload (waiting at
    // most 20 ms for its log line), so it cannot be greeted before the reload starts.
    const bool reopening_logged = wait_until(
        [&] { return daemon.count_in_log("reload: reopening the source") > 0; }, 20ms, 1ms);
    TestClient newcomer(daemon.port());
    REQUIRE(newcomer.send_hello());
    std::vector<TestClient*> both{&viewer, &newcomer};
    pump_until(both, [&] { return newcomer.server_hello().has_value() || newcomer.ended(); }, 10s);
    pump_until(both, [&] { return Clock::now() >= reload_at + kWatched; }, kWatched + 1s);
    const auto watched_until = reload_at + kWatched;

    // When the viewer heard from the daemon (frames and heartbeats alike) between
    // the reload and the end of the watch, and the longest silence in between.
    auto longest_gap = [&](std::vector<Clock::time_point> times) {
        times.push_back(reload_at);
        times.push_back(watched_until);
        std::sort(times.begin(), times.end());
        Clock::duration longest{};
        for (std::size_t i = 1; i < times.size(); ++i) longest = std::max(longest, times[i] - times[i - 1]);
        return std::chrono::duration_cast<Duration>(longest);
    };
    std::vector<Clock::time_point> heartbeats;
    for (const auto& heartbeat : viewer.heartbeats()) {
        if (heartbeat.received_at > reload_at && heartbeat.received_at < watched_until) {
            heartbeats.push_back(heartbeat.received_at);
        }
    }
    auto heard = heartbeats;
    for (const auto& frame : viewer.frames()) {
        if (frame.received_at > reload_at && frame.received_at < watched_until) heard.push_back(frame.received_at);
    }
    const auto longest_silence = longest_gap(heard);
    const auto longest_between_heartbeats = longest_gap(heartbeats);

    CAPTURE(viewer.summary());
    CAPTURE(newcomer.summary());
    REQUIRE(newcomer.server_hello_at().has_value());
    const auto hello_after =
        std::chrono::duration<double, std::milli>(*newcomer.server_hello_at() - newcomer.connected_at()).count();
    MESSAGE("reload log line seen before the newcomer connected: " << reopening_logged << "; newcomer's ServerHello after "
            << hello_after << " ms; the viewer's longest silence " << longest_silence.count()
            << " ms, longest gap between heartbeats " << longest_between_heartbeats.count() << " ms, "
            << heartbeats.size() << " heartbeats in the " << kWatched.count() << " ms after SIGHUP");
    REQUIRE(daemon.wait_for_log("reload: reopening the source", 10s));
    CHECK(newcomer.server_hello()->accepted());
    CHECK(hello_after < static_cast<double>(kHelloWithin.count()));
    CHECK(longest_silence <= kLongestSilence);
    // Heartbeats, not only frames, kept coming: at 0.25 fps frames alone leave
    // seconds of silence.
    CHECK(heartbeats.size() >= static_cast<std::size_t>(kWatched / kLongestSilence));
    CHECK_FALSE(viewer.ended());
    CHECK(daemon.wait_for_log("reload applied", 10s));
}

TEST_CASE("reload: an invalid file is rejected with its position and the old configuration keeps serving") {
    ReloadableDaemon setup(small_config(95));
    auto& daemon = setup.daemon;
    auto& viewer = setup.viewer;
    INFO("daemon log:\n" << daemon.log_tail());
    REQUIRE(viewer.receive_frames(15, 20s));
    const double before = mean_payload(viewer.frames(), 5);

    setup.reload(small_config(10) + "viewer:\n  stall_timeuot: 3s\n");
    REQUIRE(daemon.wait_for_log("reload rejected", 10s));
    CHECK(daemon.count_in_log(setup.config.string() + ":11:3: unknown key 'viewer.stall_timeuot' (did you mean "
                                                 "'stall_timeout'?)") == 1);
    const auto first_after = viewer.frames().size();
    REQUIRE(viewer.receive_frames(15, 20s));
    // Still quality 95: the frames did not shrink.
    CHECK(mean_payload(viewer.frames(), first_after) > before * 0.8);
    CHECK_FALSE(viewer.ended());
}

TEST_CASE("socket activation: camstreamd serves on the socket systemd-socket-activate passes it") {
    const std::string activate = "/usr/bin/systemd-socket-activate";
    if (!std::filesystem::exists(activate)) {
        MESSAGE("systemd-socket-activate is not installed (scripts/install-deps installs systemd); skipped");
        return;
    }
    std::uint16_t port = 0;
    {
        UnusedPort unused;  // a free port number; released before the activator binds it
        port = unused.port();
    }
    TempDir dir("activate");
    const auto log = dir.path() / "log";
    // The activator starts camstreamd itself: under emulation, through qemu.
    std::vector<std::string> argv{activate, "-l", "127.0.0.1:" + std::to_string(port)};
    for (auto& word : with_emulator({CAMSTREAMD_PATH, "--config", std::string(CAMSTREAM_SOURCE_DIR) + "/config/demo.yaml",
                                     "--set", "server.listen=127.0.0.1:1", "--set", "http.listen=127.0.0.1:0", "--set",
                                     "source.width=320", "--set", "source.height=240"})) {
        argv.push_back(std::move(word));
    }
    ChildProcess activator(argv, log, log);
    INFO("log:\n" << read_file(log));
    // The activator listens first and starts camstreamd on the first connection.
    REQUIRE(wait_until([&] { return read_file(log).find("Listening on") != std::string::npos; }, 10s));
    TestClient viewer(port);
    const auto hello = viewer.handshake(0, 20s);
    REQUIRE(hello.accepted());
    CHECK(hello.info.width == 320);
    CHECK(viewer.receive_frames(5, 20s));
    // It used the inherited socket instead of binding server.listen (port 1).
    CHECK(wait_until([&] { return read_file(log).find("(socket from systemd)") != std::string::npos; }, 5s));
    CHECK(activator.stop().exited_with(0));
}

TEST_CASE("config errors: camstreamd names file, line and column and exits 1") {
    TempDir dir("config");
    const auto config = dir.path() / "bad.yaml";
    write_text(config, "source:\n  fps: fast\n  widht: 640\nencoder:\n  jpeg_quality: 0\n");
    const auto result = run_process({CAMSTREAMD_PATH, "--config", config.string()}, 20s);
    CHECK(result.status.exited_with(1));
    const auto& errors = result.stderr_text;
    INFO(errors);
    CHECK(errors.find(config.string() + ":2:8: 'source.fps' must be a number, got 'fast'") != std::string::npos);
    CHECK(errors.find(config.string() + ":3:3: unknown key 'source.widht' (did you mean 'width'?)") !=
          std::string::npos);
    CHECK(errors.find(config.string() + ":5:17: 'encoder.jpeg_quality' is 0, must be between 1 and 100") !=
          std::string::npos);

    const auto check = run_process({CAMSTREAMD_PATH, "--config", config.string(), "--check-config"}, 20s);
    CHECK(check.status.exited_with(1));
}

TEST_CASE("config errors: --check-config prints the effective configuration of a valid file") {
    const auto result = run_process({CAMSTREAMD_PATH, "--config", std::string(CAMSTREAM_SOURCE_DIR) + "/config/demo.yaml",
                                     "--set", "source.fps=12.5", "--check-config"},
                                    20s);
    CHECK(result.status.exited_with(0));
    INFO(result.stdout_text << result.stderr_text);
    CHECK(result.stdout_text.find("fps: 12.5") != std::string::npos);
    CHECK(result.stdout_text.find("listen: 0.0.0.0:10050") != std::string::npos);
}
