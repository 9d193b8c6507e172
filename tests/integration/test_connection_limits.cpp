// Connection limits: connections that have not said hello are limited per
// address and in all, apart from viewer slots, so one host's idle connections
// cannot keep viewers from other hosts out; refusals are answered, counted and
// logged without flooding the log. 127.0.0.0/8 gives the test its "hosts".
#include "support/daemon_process.hpp"
#include "support/viewer_group.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <deque>
#include <thread>

using namespace camstream;
using namespace camstream::test;
using namespace std::chrono_literals;

namespace {

// One host that keeps up to `held` idle connections open (never sending a byte)
// and replaces the oldest at `per_second`, for `duration`.
class IdleFlood {
public:
    IdleFlood(std::uint16_t port, std::string source, std::size_t held, int per_second, Duration duration)
        : thread_([=, this] { run(port, source, held, per_second, duration); }) {}
    ~IdleFlood() {
        stop_ = true;
        thread_.join();
    }
    std::size_t opened() const { return opened_; }

private:
    void run(std::uint16_t port, const std::string& source, std::size_t held, int per_second, Duration duration) {
        sockaddr_in from{};
        from.sin_family = AF_INET;
        inet_pton(AF_INET, source.c_str(), &from.sin_addr);
        sockaddr_in to{};
        to.sin_family = AF_INET;
        to.sin_port = htons(port);
        inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
        std::deque<int> open;
        const auto interval = std::chrono::microseconds(1'000'000 / per_second);
        const auto end = std::chrono::steady_clock::now() + duration;
        auto next = std::chrono::steady_clock::now();
        while (!stop_ && std::chrono::steady_clock::now() < end) {
            const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            if (fd >= 0 && bind(fd, reinterpret_cast<const sockaddr*>(&from), sizeof from) == 0) {
                connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to);  // non-blocking: in progress
                open.push_back(fd);
                ++opened_;
            } else if (fd >= 0) {
                close(fd);
            }
            while (open.size() > held) {
                close(open.front());
                open.pop_front();
            }
            next += interval;
            std::this_thread::sleep_until(next);
        }
        for (const int fd : open) close(fd);
    }

    std::atomic<bool> stop_{false};
    std::atomic<std::size_t> opened_{0};
    std::thread thread_;
};

void raise_descriptor_limit() {
    rlimit limit{};
    getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
}

// Of the frames the source captured while this viewer watched, the share it got.
double share_of_frames(const std::vector<ReceivedFrame>& frames) {
    if (frames.size() < 2) return 0;
    const auto span = frames.back().sequence - frames.front().sequence + 1;
    return static_cast<double>(frames.size()) / static_cast<double>(span);
}

}  // namespace

TEST_CASE("heavy: connection limits: a host flooding idle connections keeps no viewer from other hosts out") {
    raise_descriptor_limit();
    DaemonProcess daemon({"source.width=320", "source.height=240", "source.fps=20", "log.stats_interval=5s"});
    INFO("daemon log:\n" << daemon.log_tail());
    const auto lines_before = daemon.count_in_log("\n");

    // 127.0.0.2 holds 500 idle connections and reopens them at 300 per second for 15 s.
    IdleFlood flood(daemon.port(), "127.0.0.2", 500, 300, 15s);
    std::this_thread::sleep_for(2s);

    // 20 viewers from 20 other hosts: each is answered at once and streams.
    std::vector<std::unique_ptr<TestClient>> viewers;
    std::vector<TestClient*> all;
    for (int i = 0; i < 20; ++i) {
        TestClient::Options options;
        options.source_address = "127.0.0." + std::to_string(3 + i);
        viewers.push_back(std::make_unique<TestClient>(daemon.port(), options));
        all.push_back(viewers.back().get());
        const auto hello = viewers.back()->handshake(0, 1s);
        CHECK(hello.accepted());
        REQUIRE(viewers.back()->server_hello_at().has_value());
        CHECK(*viewers.back()->server_hello_at() - viewers.back()->connected_at() < 1s);
    }
    pump_for(all, 10s);
    for (auto* viewer : all) {
        CAPTURE(viewer->summary());
        CHECK(share_of_frames(viewer->frames()) >= 0.95);
        CHECK(viewer->frames().size() >= 150);  // ~10 s at 20 fps
    }
    CHECK(flood.opened() > 2000);

    // Refused, said why, counted and summarized: the log stays short.
    const auto first = daemon.wait_for_log_line("viewer 127.0.0.2:", 5s);
    REQUIRE(first.has_value());
    CHECK(daemon.log_line("address_limit").has_value());
    CHECK(daemon.wait_for_log("refused ", 15s));
    CHECK(daemon.count_in_log("\n") - lines_before < 300);
    CHECK(daemon.stop().exited_with(0));
}

TEST_CASE("connection limits: a refused connection is told why in a ServerHello") {
    DaemonProcess daemon({"server.max_greeting_per_address=2"});
    INFO("daemon log:\n" << daemon.log_tail());
    // Two idle connections from 127.0.0.5 use up that host's greeting slots.
    TestClient::Options from_five;
    from_five.source_address = "127.0.0.5";
    TestClient idle_one(daemon.port(), from_five);
    TestClient idle_two(daemon.port(), from_five);
    std::this_thread::sleep_for(200ms);
    TestClient third(daemon.port(), from_five);
    REQUIRE(third.read_until_closed(5s));
    REQUIRE(third.server_hello().has_value());
    CHECK(third.server_hello()->status == wire::Reason::server_full);
    CHECK(third.server_hello()->reason_text.find("this address") != std::string::npos);

    // Another host is not affected, and a host's slot frees once it says hello.
    TestClient::Options from_six;
    from_six.source_address = "127.0.0.6";
    TestClient other(daemon.port(), from_six);
    CHECK(other.handshake().accepted());
    CHECK(idle_one.handshake().accepted());
    TestClient fourth(daemon.port(), from_five);
    CHECK(fourth.handshake().accepted());
    CHECK(daemon.stop().exited_with(0));
}

TEST_CASE("connection limits: out of file descriptors, connections are refused, counted and logged, and viewers keep streaming") {
    // The daemon inherits this soft limit: about 20 descriptors left for sockets.
    rlimit saved{};
    getrlimit(RLIMIT_NOFILE, &saved);
    rlimit low = saved;
    low.rlim_cur = 40;
    REQUIRE(setrlimit(RLIMIT_NOFILE, &low) == 0);
    std::unique_ptr<DaemonProcess> started;
    try {
        started = std::make_unique<DaemonProcess>(
            std::vector<std::string>{"source.width=320", "source.height=240", "source.fps=20",
                                     "server.max_greeting_per_address=100", "server.max_greeting=1000"});
    } catch (...) {
        setrlimit(RLIMIT_NOFILE, &saved);
        throw;
    }
    REQUIRE(setrlimit(RLIMIT_NOFILE, &saved) == 0);
    auto& daemon = *started;
    INFO("daemon log:\n" << daemon.log_tail());

    TestClient viewer(daemon.port());
    REQUIRE(viewer.handshake().accepted());
    REQUIRE(viewer.receive_frames(5, 10s));

    // Far more idle connections than the daemon has descriptors for.
    std::vector<std::unique_ptr<TestClient>> idle;
    for (int i = 0; i < 60; ++i) idle.push_back(std::make_unique<TestClient>(daemon.port()));
    const std::vector<TestClient*> watching{&viewer};
    const auto cpu_before = daemon.cpu_seconds();
    pump_for(watching, 3s);
    const auto cpu_used = daemon.cpu_seconds() - cpu_before;

    CHECK(daemon.wait_for_log("no_descriptors", 5s));
    // Served, not spinning on a backlog it cannot accept: well under a core.
    CHECK(cpu_used < 1.0);
    const auto before = viewer.frames().size();
    CHECK(viewer.receive_frames(20, 10s));
    CHECK(viewer.frames().size() >= before + 20);
    idle.clear();
    CHECK(daemon.stop().exited_with(0));
}
