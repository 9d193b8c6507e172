// The load generator's HTTP viewer against the bytes camstreamd sends for
// GET /stream (daemon/http/http_protocol.cpp), split anywhere, and against
// what a broken stream looks like; how both viewer protocols present a
// credential (--credentials); and how a TCP viewer asks for audio (--audio).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include "http_viewer_protocol.hpp"
#include "tcp_viewer_protocol.hpp"

#include "decoder.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace camstream::bench;

namespace {

struct Frame {
    std::uint64_t sequence;
    std::uint64_t timestamp_us;
    std::size_t fed;  // bytes fed when it was reported
    bool operator==(const Frame&) const = default;
};

struct Recorder final : ViewerEvents {
    int accepted = 0;
    std::vector<std::string> rejected;
    std::vector<Frame> frames;
    std::vector<std::string> goodbyes;
    std::vector<std::uint64_t> audio_packets;
    std::size_t fed = 0;

    void on_accepted(double) override { ++accepted; }
    void on_rejected(std::string_view reason) override { rejected.emplace_back(reason); }
    void on_frame(std::uint64_t sequence, std::uint64_t timestamp_us) override {
        frames.push_back({sequence, timestamp_us, fed});
    }
    void on_audio_packet(std::uint64_t sequence) override { audio_packets.push_back(sequence); }
    void on_goodbye(std::string_view reason) override { goodbyes.emplace_back(reason); }
};

const std::string kHead =
    "HTTP/1.1 200 OK\r\nServer: camstreamd 0.1.0\r\n"
    "Content-Type: multipart/x-mixed-replace;boundary=camstreamframe\r\n"
    "Cache-Control: no-store, no-cache, must-revalidate, max-age=0\r\nPragma: no-cache\r\n"
    "X-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n--camstreamframe\r\n";

// One part as camstreamd frames it: headers, the JPEG, and the boundary that opens the next.
std::string part(std::uint64_t sequence, const std::string& timestamp, const std::string& jpeg) {
    return "Content-Type: image/jpeg\r\nContent-Length: " + std::to_string(jpeg.size()) +
           "\r\nX-Timestamp: " + timestamp + "\r\nX-Sequence: " + std::to_string(sequence) + "\r\n\r\n" + jpeg +
           "\r\n--camstreamframe\r\n";
}

// A JPEG-like payload that holds the boundary text and CRLFs: only Content-Length may end it.
std::string payload(std::size_t size) {
    std::string jpeg = "\xff\xd8\r\n--camstreamframe\r\n\r\n";
    while (jpeg.size() + 2 < size) jpeg += static_cast<char>('a' + jpeg.size() % 26);
    return jpeg + "\xff\xd9";
}

// Feeds `stream` in chunks that end at each of `cuts`; false if the protocol said error.
bool feed(HttpViewerProtocol& protocol, Recorder& events, const std::string& stream, std::vector<std::size_t> cuts) {
    cuts.push_back(stream.size());
    std::size_t from = 0;
    for (const auto cut : cuts) {
        const auto* bytes = reinterpret_cast<const std::uint8_t*>(stream.data()) + from;
        events.fed = cut;
        if (!protocol.feed({bytes, cut - from}, events)) return false;
        from = cut;
    }
    return true;
}

}  // namespace

TEST_CASE("the opening request asks for the stream, uncapped") {
    const auto request = HttpViewerProtocol().opening_request();
    CHECK(std::string(request.begin(), request.end()) == "GET /stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    CHECK(HttpViewerProtocol().kind() == ProtocolKind::http_mjpeg);
    CHECK(protocol_name(ProtocolKind::http_mjpeg) == "http");
}

TEST_CASE("a viewer with a credential presents it: HTTP as a Bearer header, TCP in the hello's token field") {
    const std::string ticket = "eyJhbGciOiJFZERTQSJ9.eyJqdGkiOiJ0LTEifQ.c2lnbmF0dXJl";
    const auto request = HttpViewerProtocol(ticket).opening_request();
    CHECK(std::string(request.begin(), request.end()) ==
          "GET /stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + ticket + "\r\n\r\n");

    const auto hello_bytes = TcpViewerProtocol(ticket).opening_request();
    camstream::wire::ClientHelloDecoder decoder;
    std::span<const std::uint8_t> input(hello_bytes);
    REQUIRE(decoder.feed(input) == camstream::wire::DecodeStatus::item);
    CHECK(decoder.hello().token == ticket);
    CHECK(decoder.hello().max_fps == 0);
    CHECK(input.empty());

    const auto plain = TcpViewerProtocol().opening_request();
    camstream::wire::ClientHelloDecoder plain_decoder;
    std::span<const std::uint8_t> plain_input(plain);
    REQUIRE(plain_decoder.feed(plain_input) == camstream::wire::DecodeStatus::item);
    CHECK(plain_decoder.hello().token.empty());
}

TEST_CASE("a TCP viewer with --audio asks for it in the hello, and reports audio packets apart from frames") {
    namespace wire = camstream::wire;
    for (const bool audio : {false, true}) {
        CAPTURE(audio);
        const auto hello_bytes = TcpViewerProtocol({}, audio).opening_request();
        wire::ClientHelloDecoder decoder;
        std::span<const std::uint8_t> input(hello_bytes);
        REQUIRE(decoder.feed(input) == wire::DecodeStatus::item);
        CHECK(decoder.hello().audio == audio);
    }

    wire::StreamInfo info;
    info.width = 640;
    info.height = 480;
    info.fps_milli = 5000;
    info.server_version = "test";
    info.audio_codec = wire::AudioCodec::opus;
    info.audio_channels = 1;
    auto stream = wire::encode_accept(info);
    const std::vector<std::uint8_t> opus{0x78, 0x01, 0x02};
    for (const std::uint64_t sequence : {7, 8, 11}) {
        const auto packet = wire::encode_message(wire::MessageType::audio_packet, sequence, 1000 * sequence, opus);
        stream.insert(stream.end(), packet.begin(), packet.end());
    }
    const std::vector<std::uint8_t> jpeg{0xff, 0xd8, 0xff, 0xd9};
    const auto frame = wire::encode_message(wire::MessageType::video_frame, 3, 4000, jpeg);
    stream.insert(stream.end(), frame.begin(), frame.end());

    TcpViewerProtocol viewer({}, true);
    Recorder events;
    REQUIRE(viewer.feed(stream, events));
    CHECK(events.accepted == 1);
    CHECK(events.audio_packets == std::vector<std::uint64_t>{7, 8, 11});
    REQUIRE(events.frames.size() == 1);
    CHECK(events.frames[0].sequence == 3);
}

TEST_CASE("a 401 is a refusal with the server's reason") {
    const std::string body = "ticket expired\n";
    const std::string response = "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer realm=\"camstream\"\r\n"
                                 "Content-Type: text/plain\r\nContent-Length: " +
                                 std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    HttpViewerProtocol protocol("a.b.c");
    Recorder events;
    REQUIRE(feed(protocol, events, response, {30}));
    CHECK(events.accepted == 0);
    CHECK(events.rejected == std::vector<std::string>{"401 ticket expired"});
}

TEST_CASE("a stream is accepted, and each part is a frame once its last JPEG byte arrives, however it is split") {
    const auto first = payload(300);
    const auto second = payload(1000);
    const std::string stream = kHead + part(41, "1764255600.000001", first) +
                               part(42, "1764255600.033334", second) + part(43, "1764255600.066667", "");
    const auto first_end = kHead.size() + part(41, "1764255600.000001", first).size() - 20;
    const auto second_end = first_end + 20 + part(42, "1764255600.033334", second).size() - 20;
    const auto third_end = stream.size() - 20;
    const std::vector<Frame> expected{{41, 1764255600000001, first_end},
                                      {42, 1764255600033334, second_end},
                                      {43, 1764255600066667, third_end}};

    SUBCASE("in one piece") {
        HttpViewerProtocol protocol;
        Recorder events;
        REQUIRE(feed(protocol, events, stream, {}));
        CHECK(events.accepted == 1);
        REQUIRE(events.frames.size() == 3);
        CHECK(events.frames[0].sequence == 41);
        CHECK(events.frames[2].timestamp_us == 1764255600066667);
    }
    SUBCASE("a byte at a time: each frame is reported with its JPEG's last byte") {
        HttpViewerProtocol protocol;
        Recorder events;
        std::vector<std::size_t> cuts;
        for (std::size_t at = 1; at < stream.size(); ++at) cuts.push_back(at);
        REQUIRE(feed(protocol, events, stream, cuts));
        CHECK(events.accepted == 1);
        CHECK(events.frames == expected);
        CHECK(events.rejected.empty());
    }
    SUBCASE("in two pieces, cut at every byte") {
        for (std::size_t cut = 1; cut < stream.size(); ++cut) {
            HttpViewerProtocol protocol;
            Recorder events;
            REQUIRE(feed(protocol, events, stream, {cut}));
            CHECK(events.accepted == 1);
            REQUIRE(events.frames.size() == 3);
            for (std::size_t i = 0; i < 3; ++i) {
                CHECK(events.frames[i].sequence == expected[i].sequence);
                CHECK(events.frames[i].timestamp_us == expected[i].timestamp_us);
            }
        }
    }
}

TEST_CASE("the closing boundary is a goodbye") {
    auto stream = kHead + part(1, "5.5", "xyz");
    stream.resize(stream.size() - 2);  // the boundary without its CRLF
    stream += "--\r\n";
    HttpViewerProtocol protocol;
    Recorder events;
    REQUIRE(feed(protocol, events, stream, {}));
    REQUIRE(events.frames.size() == 1);
    CHECK(events.frames[0].timestamp_us == 5'500'000);  // a short fraction is tenths, not millionths
    CHECK(events.goodbyes == std::vector<std::string>{"closing boundary"});
}

TEST_CASE("a 503 is a refusal with the server's reason") {
    const std::string body = "too_many_viewers (2000 viewers already)\n";
    const std::string response = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: " +
                                 std::to_string(body.size()) + "\r\nRetry-After: 1\r\nConnection: close\r\n\r\n" + body;
    HttpViewerProtocol protocol;
    Recorder events;
    REQUIRE(feed(protocol, events, response, {20, 90}));
    CHECK(events.accepted == 0);
    CHECK(events.rejected == std::vector<std::string>{"503 too_many_viewers (2000 viewers already)"});
    CHECK(events.frames.empty());
}

TEST_CASE("a broken stream is an error that says what is wrong") {
    HttpViewerProtocol protocol;
    Recorder events;
    std::string expected_error;

    SUBCASE("a Content-Length that does not match the JPEG") {
        auto broken = part(7, "1.000000", "abcdef");
        broken.replace(broken.find("Length: 6"), 9, "Length: 5");
        REQUIRE_FALSE(feed(protocol, events, kHead + broken, {}));
        expected_error = "is not followed by the boundary";
    }
    SUBCASE("a part without X-Sequence") {
        const std::string broken = "Content-Type: image/jpeg\r\nContent-Length: 3\r\nX-Timestamp: 1.0\r\n\r\nabc";
        REQUIRE_FALSE(feed(protocol, events, kHead + broken, {}));
        expected_error = "part 1: no X-Sequence";
    }
    SUBCASE("a timestamp that is not SECONDS.MICROSECONDS") {
        REQUIRE_FALSE(feed(protocol, events, kHead + part(7, "1.2345678", "abc"), {}));
        expected_error = "X-Timestamp is not SECONDS.MICROSECONDS";
    }
    SUBCASE("a body that does not open with the boundary") {
        auto stream = kHead;
        stream.replace(stream.rfind("--camstreamframe"), 2, "__");
        REQUIRE_FALSE(feed(protocol, events, stream, {}));
        expected_error = "does not start with the boundary";
    }
    SUBCASE("a 200 that is not multipart") {
        REQUIRE_FALSE(feed(protocol, events, "HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\n\r\n", {}));
        expected_error = "200 without a multipart boundary";
        CHECK(events.accepted == 0);
    }
    SUBCASE("not HTTP at all") {
        REQUIRE_FALSE(feed(protocol, events, std::string("\x43\x53\x54\x4d\x01\x00", 6), {}));
        expected_error = "malformed HTTP response";
    }
    INFO(protocol.error_text());
    CHECK(protocol.error_text().find(expected_error) != std::string::npos);
}
