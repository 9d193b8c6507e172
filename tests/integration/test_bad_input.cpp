// Integration: clients that do not speak the protocol properly. Each is refused
// with the right reason code, on the wire and in the log, while three good
// viewers keep streaming and the daemon stays up.
#include "support/daemon_process.hpp"
#include "support/viewer_group.hpp"

#include <doctest/doctest.h>

using namespace camstream::test;
namespace wire = camstream::wire;
using namespace std::chrono_literals;

namespace {

constexpr auto kHelloTimeout = 1s;

std::vector<std::string> settings(std::vector<std::string> more = {}) {
    std::vector<std::string> result{"source.width=320", "source.height=240", "source.fps=20",
                                    "server.hello_timeout=1s"};
    result.insert(result.end(), more.begin(), more.end());
    return result;
}

// A daemon with three good viewers streaming from it.
struct StreamingDaemon {
    explicit StreamingDaemon(std::vector<std::string> more_settings = {})
        : daemon(settings(std::move(more_settings))), good(daemon.port(), 3) {
        handshake_all(good.all());
        const bool streaming = pump_until(good.all(), [&] { return good.fewest_frames() >= 5; }, 20s);
        if (!streaming) throw std::runtime_error("good viewers get no frames:\n" + daemon.log_tail());
    }

    // Serves the good viewers and `client` until the client's connection has ended.
    bool serve_until_ended(TestClient& client, Duration timeout = 10s) {
        return pump_until(good.with({&client}), [&] { return client.ended(); }, timeout);
    }

    // The good viewers still get frames (10 more each, ~0.5 s at 20 fps) and the
    // daemon is alive.
    void check_good_viewers_keep_streaming() {
        std::vector<std::size_t> before;
        for (auto* viewer : good.all()) before.push_back(viewer->frames().size());
        pump_until(
            good.all(),
            [&] {
                for (std::size_t i = 0; i < good.size(); ++i) {
                    if (good[i].frames().size() < before[i] + 10) return false;
                }
                return true;
            },
            15s);
        for (std::size_t i = 0; i < good.size(); ++i) {
            CAPTURE(good[i].summary());
            CHECK(good[i].frames().size() >= before[i] + 10);
            CHECK_FALSE(good[i].ended());
            CHECK(sequence_violations(good[i].frames()) == 0);
        }
        CHECK(daemon.running());
    }

    // The client got a rejecting ServerHello with `reason` and then the connection closed.
    void check_rejected(TestClient& client, wire::Reason reason) {
        CHECK(serve_until_ended(client));
        CAPTURE(client.summary());
        REQUIRE(client.server_hello().has_value());
        CHECK_FALSE(client.server_hello()->accepted());
        CHECK(client.server_hello()->status == reason);
        CHECK(client.frames().empty());
        // Nothing after the rejection (that would be a decode error), then the close.
        CHECK(client.ending() != Ending::decode_error);
        CHECK(client.ended());
    }

    // Serves the good viewers until a complete log line contains `needle`.
    std::optional<std::string> wait_for_log_line(const std::string& needle, Duration timeout = 10s) {
        std::optional<std::string> line;
        pump_until(good.all(), [&] { return (line = daemon.log_line(needle)).has_value(); }, timeout);
        return line;
    }

    // The log line saying this client was rejected names `reason` (PROTOCOL.md section 5).
    void check_logged_rejection(const TestClient& client, wire::Reason reason) {
        const auto line = wait_for_log_line("viewer " + client.peer_name() + " rejected: ");
        REQUIRE_MESSAGE(line.has_value(), "no rejection logged for " << client.peer_name());
        CHECK(line->find("rejected: " + std::string(wire::to_string(reason))) != std::string::npos);
    }

    DaemonProcess daemon;
    ViewerGroup good;
};

}  // namespace

TEST_CASE("bad input: an HTTP request instead of a hello is rejected with bad magic") {
    StreamingDaemon fixture;
    INFO("daemon log:\n" << fixture.daemon.log_tail());
    TestClient client(fixture.daemon.port());
    REQUIRE(client.send_bytes("GET / HTTP/1.1\r\n\r\n"));
    fixture.check_rejected(client, wire::Reason::bad_magic);
    fixture.check_logged_rejection(client, wire::Reason::bad_magic);
    fixture.check_good_viewers_keep_streaming();
    CHECK(fixture.daemon.stop().exited_with(0));
}

TEST_CASE("bad input: two bytes of garbage are refused at once, not after the hello timeout") {
    // Fewer than the 12 bytes of a hello: a server that waited for the whole hello
    // would time out (reason 6) instead of seeing the bad magic at the first byte.
    StreamingDaemon fixture;
    INFO("daemon log:\n" << fixture.daemon.log_tail());
    TestClient client(fixture.daemon.port());
    const auto sent_at = Clock::now();
    REQUIRE(client.send_bytes("GE"));
    fixture.check_rejected(client, wire::Reason::bad_magic);
    CHECK(Clock::now() - sent_at < kHelloTimeout);
    fixture.check_logged_rejection(client, wire::Reason::bad_magic);
    fixture.check_good_viewers_keep_streaming();
}

TEST_CASE("bad input: protocol version 2 is rejected as unsupported") {
    StreamingDaemon fixture;
    INFO("daemon log:\n" << fixture.daemon.log_tail());
    TestClient client(fixture.daemon.port());
    wire::ClientHello hello;
    hello.version = 2;
    REQUIRE(client.send_bytes(wire::encode(hello)));
    fixture.check_rejected(client, wire::Reason::unsupported_version);
    fixture.check_logged_rejection(client, wire::Reason::unsupported_version);
    fixture.check_good_viewers_keep_streaming();
    CHECK(fixture.daemon.stop().exited_with(0));
}

TEST_CASE("bad input: a token length of 2000 is rejected as malformed before any token byte") {
    StreamingDaemon fixture;
    INFO("daemon log:\n" << fixture.daemon.log_tail());
    TestClient client(fixture.daemon.port());
    // The encoder cannot produce this (credentials are at most 1024 bytes): patch the field.
    auto bytes = wire::encode(wire::ClientHello{});
    wire::store_be16(&bytes[10], 2000);
    REQUIRE(client.send_bytes(bytes));
    // No token bytes follow: a server waiting for them would time out instead.
    fixture.check_rejected(client, wire::Reason::malformed);
    fixture.check_logged_rejection(client, wire::Reason::malformed);
    fixture.check_good_viewers_keep_streaming();
    CHECK(fixture.daemon.stop().exited_with(0));
}

TEST_CASE("bad input: nonzero hello flags are rejected as malformed") {
    StreamingDaemon fixture;
    INFO("daemon log:\n" << fixture.daemon.log_tail());
    TestClient client(fixture.daemon.port());
    auto bytes = wire::encode(wire::ClientHello{});
    wire::store_be16(&bytes[8], 0x8000);
    REQUIRE(client.send_bytes(bytes));
    fixture.check_rejected(client, wire::Reason::malformed);
    fixture.check_logged_rejection(client, wire::Reason::malformed);
    fixture.check_good_viewers_keep_streaming();
}

TEST_CASE("bad input: a silent client and a half hello are closed after the hello timeout") {
    StreamingDaemon fixture;
    INFO("daemon log:\n" << fixture.daemon.log_tail());
    const auto connected_at = Clock::now();
    TestClient silent(fixture.daemon.port());
    TestClient half(fixture.daemon.port());
    const auto hello = wire::encode(wire::ClientHello{});
    REQUIRE(half.send_bytes(std::span(hello).first(6)));

    fixture.check_rejected(silent, wire::Reason::hello_timeout);
    fixture.check_rejected(half, wire::Reason::hello_timeout);
    const auto waited = Clock::now() - connected_at;
    CHECK(waited >= kHelloTimeout - 200ms);
    CHECK(waited < kHelloTimeout + 8s);
    fixture.check_logged_rejection(silent, wire::Reason::hello_timeout);
    fixture.check_logged_rejection(half, wire::Reason::hello_timeout);
    fixture.check_good_viewers_keep_streaming();
    CHECK(fixture.daemon.stop().exited_with(0));
}

TEST_CASE("bad input: a byte after the hello ends the session with GOODBYE malformed") {
    StreamingDaemon fixture;
    INFO("daemon log:\n" << fixture.daemon.log_tail());
    TestClient client(fixture.daemon.port());
    REQUIRE(client.handshake().accepted());
    // Streaming first, so the byte clearly arrives after the hello.
    pump_until(fixture.good.with({&client}), [&] { return client.frames().size() >= 3; }, 10s);
    REQUIRE(client.send_bytes("x"));

    CHECK(fixture.serve_until_ended(client));
    CAPTURE(client.summary());
    REQUIRE(client.goodbye().has_value());
    CHECK(client.goodbye()->reason == wire::Reason::malformed);
    CHECK(client.ending() == Ending::end_of_stream);
    const auto line = fixture.wait_for_log_line("viewer " + client.peer_name() + " disconnected");
    REQUIRE(line.has_value());
    CHECK(line->find("malformed") != std::string::npos);
    fixture.check_good_viewers_keep_streaming();
    CHECK(fixture.daemon.stop().exited_with(0));
}

TEST_CASE("bad input: a hello with trailing bytes in the same packet is refused as malformed") {
    StreamingDaemon fixture;
    INFO("daemon log:\n" << fixture.daemon.log_tail());
    TestClient client(fixture.daemon.port());
    auto bytes = wire::encode(wire::ClientHello{});
    bytes.push_back('x');
    REQUIRE(client.send_bytes(bytes));

    CHECK(fixture.serve_until_ended(client));
    CAPTURE(client.summary());
    REQUIRE(client.server_hello().has_value());
    // Either refused in the ServerHello or accepted and then ended with GOODBYE:
    // both say malformed.
    if (client.server_hello()->accepted()) {
        REQUIRE(client.goodbye().has_value());
        CHECK(client.goodbye()->reason == wire::Reason::malformed);
    } else {
        CHECK(client.server_hello()->status == wire::Reason::malformed);
    }
    CHECK(client.ending() != Ending::decode_error);
    // Logged as a rejection or a disconnection, whichever way it was refused.
    std::optional<std::string> line;
    pump_until(
        fixture.good.all(),
        [&] {
            line = fixture.daemon.log_line("viewer " + client.peer_name() + " rejected");
            if (!line) line = fixture.daemon.log_line("viewer " + client.peer_name() + " disconnected");
            return line.has_value();
        },
        10s);
    REQUIRE(line.has_value());
    CHECK(line->find("malformed") != std::string::npos);
    fixture.check_good_viewers_keep_streaming();
}

TEST_CASE("bad input: viewers beyond server.max_viewers are rejected with server full") {
    StreamingDaemon fixture({"server.max_viewers=4"});
    INFO("daemon log:\n" << fixture.daemon.log_tail());
    auto fourth = std::make_unique<TestClient>(fixture.daemon.port());
    fourth->send_hello();
    pump_until(fixture.good.with({fourth.get()}), [&] { return fourth->server_hello().has_value() || fourth->ended(); }, 10s);
    REQUIRE(fourth->server_hello().has_value());
    CHECK(fourth->server_hello()->accepted());

    TestClient fifth(fixture.daemon.port());
    fifth.send_hello();
    // The fourth viewer is served too, so it does not stall while we wait.
    CHECK(pump_until(fixture.good.with({fourth.get(), &fifth}), [&] { return fifth.ended(); }, 10s));
    CAPTURE(fifth.summary());
    REQUIRE(fifth.server_hello().has_value());
    CHECK(fifth.server_hello()->status == wire::Reason::server_full);
    CHECK(fifth.ending() != Ending::decode_error);
    fixture.check_logged_rejection(fifth, wire::Reason::server_full);
    CHECK(fourth->frames().size() > 0);
    CHECK_FALSE(fourth->ended());

    // A viewer that leaves frees its place.
    const auto fourth_name = fourth->peer_name();
    fourth.reset();
    REQUIRE(fixture.wait_for_log_line("viewer " + fourth_name + " disconnected").has_value());
    TestClient sixth(fixture.daemon.port());
    sixth.send_hello();
    pump_until(fixture.good.with({&sixth}), [&] { return sixth.frames().size() >= 2 || sixth.ended(); }, 10s);
    CAPTURE(sixth.summary());
    REQUIRE(sixth.server_hello().has_value());
    CHECK(sixth.server_hello()->accepted());
    CHECK(sixth.frames().size() >= 2);

    fixture.check_good_viewers_keep_streaming();
    CHECK(fixture.daemon.stop().exited_with(0));
}
