// Unit tests of the wire protocol codecs (protocol/) against docs/PROTOCOL.md:
// round trips, input split anywhere, every rejection with its reason, garbage,
// the document's own example bytes, and its tables of message types and reasons.
#include "decoder.hpp"
#include "wire.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <fstream>
#include <random>
#include <span>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace wire = camstream::wire;
using wire::Bytes;
using wire::DecodeStatus;
using wire::Reason;

namespace {

using ByteSpan = std::span<const std::uint8_t>;

Bytes bytes_of(std::string_view text) { return Bytes(text.begin(), text.end()); }

void append(Bytes& to, ByteSpan more) { to.insert(to.end(), more.begin(), more.end()); }

std::string hex(ByteSpan bytes) {
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string out;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (i != 0) out += ' ';
        out += digits[bytes[i] >> 4];
        out += digits[bytes[i] & 0x0F];
    }
    return out;
}

std::string_view name(DecodeStatus status) {
    switch (status) {
        case DecodeStatus::need_more: return "need_more";
        case DecodeStatus::item: return "item";
        case DecodeStatus::error: return "error";
    }
    return "?";
}

// A message with any type number, including reserved and unknown ones.
Bytes message(std::uint16_t type, std::uint64_t sequence, std::uint64_t timestamp_us,
              ByteSpan payload, std::uint32_t claimed_length) {
    wire::MessageHeader header;
    header.type = static_cast<wire::MessageType>(type);
    header.payload_length = claimed_length;
    header.sequence = sequence;
    header.timestamp_us = timestamp_us;
    const auto head = wire::encode(header);
    Bytes out(head.begin(), head.end());
    append(out, payload);
    return out;
}
Bytes message(std::uint16_t type, std::uint64_t sequence, std::uint64_t timestamp_us,
              ByteSpan payload) {
    return message(type, sequence, timestamp_us, payload,
                   static_cast<std::uint32_t>(payload.size()));
}

Bytes fake_jpeg(std::size_t size, std::uint8_t fill) {
    Bytes out(size, fill);
    out[0] = 0xFF;
    out[1] = 0xD8;
    out[size - 2] = 0xFF;
    out[size - 1] = 0xD9;
    return out;
}

wire::StreamInfo stream_info(std::uint16_t width, std::uint16_t height, std::uint32_t fps_milli,
                             std::string server_version) {
    wire::StreamInfo info;
    info.width = width;
    info.height = height;
    info.fps_milli = fps_milli;
    info.codec = wire::Codec::jpeg;
    info.server_version = std::move(server_version);
    return info;
}

// One decoded item as text, so whole streams compare (and print) as strings.
std::string describe_item(const wire::StreamDecoder& decoder) {
    std::ostringstream out;
    if (decoder.item_is_server_hello()) {
        const auto& hello = decoder.server_hello();
        out << "hello status=" << static_cast<int>(hello.status);
        if (hello.accepted()) {
            out << " " << hello.info.width << "x" << hello.info.height << "@" << hello.info.fps_milli
                << " codec=" << static_cast<int>(hello.info.codec) << " version='"
                << hello.info.server_version << "'";
        } else {
            out << " text='" << hello.reason_text << "'";
        }
    } else {
        const auto& header = decoder.header();
        out << "message type=" << static_cast<int>(header.type) << " flags=" << header.flags
            << " length=" << header.payload_length << " seq=" << header.sequence
            << " ts=" << header.timestamp_us << " payload=[" << hex(decoder.payload()) << "]";
    }
    return out.str();
}

struct DecodeRun {
    std::vector<std::string> items;
    bool failed = false;
    Reason error = Reason::none;
    std::string error_text;
    bool need_more_left_input = false;  // a contract violation: need_more must consume all
    bool item_after_error = false;

    std::string text() const {
        std::string out;
        for (const auto& item : items) out += item + "\n";
        if (failed) out += "error " + std::string(wire::to_string(error)) + "\n";
        return out;
    }
};

// Feeds the pieces in order to one StreamDecoder, taking every item out of each.
DecodeRun decode_pieces(const std::vector<ByteSpan>& pieces, bool keep_payload = true) {
    wire::StreamDecoder decoder(keep_payload);
    DecodeRun run;
    for (auto piece : pieces) {
        for (int guard = 0; guard < 100000; ++guard) {
            const auto status = decoder.next(piece);
            if (status == DecodeStatus::item) {
                if (run.failed) run.item_after_error = true;
                run.items.push_back(describe_item(decoder));
                continue;
            }
            if (status == DecodeStatus::error) {
                if (!run.failed) {
                    run.failed = true;
                    run.error = decoder.error();
                    run.error_text = decoder.error_text();
                }
                break;
            }
            if (!piece.empty()) run.need_more_left_input = true;
            break;
        }
    }
    return run;
}

DecodeRun decode_whole(ByteSpan bytes) { return decode_pieces({bytes}); }

DecodeRun decode_byte_at_a_time(ByteSpan bytes) {
    std::vector<ByteSpan> pieces;
    for (std::size_t i = 0; i < bytes.size(); ++i) pieces.push_back(bytes.subspan(i, 1));
    return decode_pieces(pieces);
}

Bytes accepted_hello() { return wire::encode_accept(stream_info(320, 240, 30000, "camstreamd test")); }

// A complete server stream: hello, frames, a heartbeat, reserved messages, goodbye.
Bytes sample_stream() {
    constexpr std::uint64_t t0 = 1'700'000'000'000'000;
    Bytes stream = accepted_hello();
    append(stream, message(1, 1, t0, fake_jpeg(100, 0x11)));
    wire::Heartbeat heartbeat;
    heartbeat.state = wire::SourceState::live;
    heartbeat.last_frame_age_ms = 33;
    append(stream, wire::encode_message(wire::MessageType::heartbeat, 1, t0 + 500'000,
                                        wire::encode_payload(heartbeat)));
    append(stream, message(16, 7, t0 + 600'000, bytes_of("audio!!")));
    append(stream, message(47, 0, t0 + 700'000, {}));
    append(stream, message(1, 2, t0 + 33'333, fake_jpeg(300, 0x22)));
    wire::Goodbye goodbye;
    goodbye.reason = Reason::shutting_down;
    goodbye.text = "bye";
    append(stream, wire::encode_message(wire::MessageType::goodbye, 0, t0 + 900'000,
                                        wire::encode_payload(goodbye)));
    return stream;
}

std::string source_file(const std::string& relative) {
    std::ifstream in(std::string(CAMSTREAM_SOURCE_DIR) + "/" + relative);
    REQUIRE_MESSAGE(in.good(), "cannot read " << relative);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// The lines of the section whose heading starts with `heading`, up to the next "## ".
std::vector<std::string> section_lines(const std::string& document, const std::string& heading) {
    std::vector<std::string> lines;
    std::istringstream in(document);
    bool inside = false;
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("## ", 0) == 0) inside = line.rfind(heading, 0) == 0;
        else if (inside) lines.push_back(line);
    }
    return lines;
}

bool is_hex_pair(const std::string& token) {
    return token.size() == 2 && std::isxdigit(static_cast<unsigned char>(token[0])) != 0 &&
           std::isxdigit(static_cast<unsigned char>(token[1])) != 0;
}

// Each ``` block of a section as bytes: on every line, the leading two-digit hex
// tokens (the text after them is commentary).
std::vector<Bytes> hex_blocks(const std::vector<std::string>& lines) {
    std::vector<Bytes> blocks;
    bool inside = false;
    for (const auto& line : lines) {
        if (line.rfind("```", 0) == 0) {
            inside = !inside;
            if (inside) blocks.emplace_back();
            continue;
        }
        if (!inside) continue;
        std::istringstream tokens(line);
        for (std::string token; tokens >> token && is_hex_pair(token);) {
            blocks.back().push_back(static_cast<std::uint8_t>(std::stoul(token, nullptr, 16)));
        }
    }
    return blocks;
}

std::string trim(std::string text) {
    const auto begin = text.find_first_not_of(" \t");
    const auto end = text.find_last_not_of(" \t");
    return begin == std::string::npos ? std::string() : text.substr(begin, end - begin + 1);
}

}  // namespace

// --- ClientHello -----------------------------------------------------------------

TEST_CASE("protocol: ClientHello round trip") {
    wire::ClientHello hello;
    hello.max_fps = 10;
    hello.token = "secret";
    const auto bytes = wire::encode(hello);
    CHECK(bytes.size() == 12 + 6);

    wire::ClientHelloDecoder decoder;
    ByteSpan input(bytes);
    REQUIRE(decoder.feed(input) == DecodeStatus::item);
    CHECK(input.empty());
    CHECK(decoder.hello().version == 1);
    CHECK(decoder.hello().max_fps == 10);
    CHECK(decoder.hello().token == "secret");
    CHECK_FALSE(decoder.hello().audio);
    CHECK(decoder.error() == Reason::none);
    CHECK(bytes[8] == 0);  // a viewer that does not ask for audio sends the version-1 hello
    CHECK(bytes[9] == 0);
}

TEST_CASE("protocol: a ClientHello asking for audio sets flag bit 0 and round-trips") {
    wire::ClientHello hello;
    hello.audio = true;
    const auto bytes = wire::encode(hello);
    CHECK(bytes[8] == 0);
    CHECK(bytes[9] == 1);
    wire::ClientHelloDecoder decoder;
    ByteSpan input(bytes);
    REQUIRE(decoder.feed(input) == DecodeStatus::item);
    CHECK(decoder.hello().audio);
}

TEST_CASE("protocol: ClientHello with the longest allowed token and without a token") {
    for (const std::size_t length : {std::size_t{0}, std::size_t{1}, std::size_t{256}, std::size_t{1024}}) {
        CAPTURE(length);
        wire::ClientHello hello;
        hello.max_fps = 0xFFFF;
        hello.token = std::string(length, 't');
        const auto bytes = wire::encode(hello);
        CHECK(bytes.size() == 12 + length);
        wire::ClientHelloDecoder decoder;
        ByteSpan input(bytes);
        REQUIRE(decoder.feed(input) == DecodeStatus::item);
        CHECK(decoder.hello().max_fps == 0xFFFF);
        CHECK(decoder.hello().token == hello.token);
    }
}

TEST_CASE("protocol: the ClientHello decoder stops right after the hello") {
    // The server relies on this to see bytes a client sends after its hello.
    wire::ClientHello hello;
    hello.token = "abc";
    auto bytes = wire::encode(hello);
    append(bytes, bytes_of("xyz"));
    wire::ClientHelloDecoder decoder;
    ByteSpan input(bytes);
    REQUIRE(decoder.feed(input) == DecodeStatus::item);
    CHECK(hex(input) == hex(bytes_of("xyz")));

    // Feeding more after the hello leaves it all to the caller.
    CHECK(decoder.feed(input) == DecodeStatus::item);
    CHECK(input.size() == 3);
}

TEST_CASE("protocol: ClientHello fed one byte at a time") {
    wire::ClientHello hello;
    hello.max_fps = 25;
    hello.token = "token";
    const auto bytes = wire::encode(hello);
    wire::ClientHelloDecoder decoder;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        CAPTURE(i);
        ByteSpan one(&bytes[i], 1);
        const auto status = decoder.feed(one);
        CHECK(one.empty());
        if (i + 1 < bytes.size()) {
            REQUIRE(status == DecodeStatus::need_more);
        } else {
            REQUIRE(status == DecodeStatus::item);
        }
    }
    CHECK(decoder.hello().max_fps == 25);
    CHECK(decoder.hello().token == "token");
}

TEST_CASE("protocol: a truncated ClientHello needs more and is never an item") {
    wire::ClientHello hello;
    hello.token = "0123456789";
    const auto bytes = wire::encode(hello);
    for (std::size_t length = 0; length < bytes.size(); ++length) {
        CAPTURE(length);
        wire::ClientHelloDecoder decoder;
        ByteSpan input(bytes.data(), length);
        CHECK(decoder.feed(input) == DecodeStatus::need_more);
        CHECK(input.empty());
    }
}

TEST_CASE("protocol: ClientHello rejections name the reason") {
    SUBCASE("bad magic is refused at the first wrong byte") {
        const auto http = bytes_of("GET / HTTP/1.1\r\n\r\n");
        wire::ClientHelloDecoder decoder;
        ByteSpan input(http);
        CHECK(decoder.feed(input) == DecodeStatus::error);
        CHECK(decoder.error() == Reason::bad_magic);
        CHECK_FALSE(decoder.error_text().empty());
        CHECK(input.size() == http.size() - 1);  // only 'G' was looked at

        // One wrong byte alone is enough: the server need not wait for twelve.
        wire::ClientHelloDecoder single;
        const Bytes g{'G'};
        ByteSpan one(g);
        CHECK(single.feed(one) == DecodeStatus::error);
        CHECK(single.error() == Reason::bad_magic);

        const Bytes almost{'C', 'S', 'T', 'X', 0, 1};
        wire::ClientHelloDecoder late;
        ByteSpan rest(almost);
        CHECK(late.feed(rest) == DecodeStatus::error);
        CHECK(late.error() == Reason::bad_magic);
        CHECK(rest.size() == almost.size() - 4);
    }
    SUBCASE("a correct magic split over calls is still accepted") {
        wire::ClientHelloDecoder decoder;
        const auto part = bytes_of("CS");
        ByteSpan input(part);
        CHECK(decoder.feed(input) == DecodeStatus::need_more);
    }
    SUBCASE("unsupported version") {
        for (const std::uint16_t version : {std::uint16_t{0}, std::uint16_t{2}, std::uint16_t{0x0100}}) {
            CAPTURE(version);
            wire::ClientHello hello;
            hello.version = version;
            const auto bytes = wire::encode(hello);
            wire::ClientHelloDecoder decoder;
            ByteSpan input(bytes);
            CHECK(decoder.feed(input) == DecodeStatus::error);
            CHECK(decoder.error() == Reason::unsupported_version);
            CHECK(input.size() == bytes.size() - 6);  // refused right after the version field
        }
    }
    SUBCASE("flags other than audio") {
        for (const std::uint16_t flags : {std::uint16_t{0x0002}, std::uint16_t{0x0003}, std::uint16_t{0x8000}}) {
            CAPTURE(flags);
            auto bytes = wire::encode(wire::ClientHello{});
            wire::store_be16(&bytes[8], flags);
            wire::ClientHelloDecoder decoder;
            ByteSpan input(bytes);
            CHECK(decoder.feed(input) == DecodeStatus::error);
            CHECK(decoder.error() == Reason::malformed);
        }
    }
    SUBCASE("token longer than 1024 bytes, refused before any token byte") {
        for (const std::uint16_t length : {std::uint16_t{1025}, std::uint16_t{2000}, std::uint16_t{0xFFFF}}) {
            CAPTURE(length);
            auto bytes = wire::encode(wire::ClientHello{});
            wire::store_be16(&bytes[10], length);
            append(bytes, Bytes(300, 'x'));
            wire::ClientHelloDecoder decoder;
            ByteSpan input(bytes);
            CHECK(decoder.feed(input) == DecodeStatus::error);
            CHECK(decoder.error() == Reason::malformed);
            CHECK(input.size() == 300);
        }
    }
    SUBCASE("an error is final") {
        const auto garbage = bytes_of("XSTM");
        wire::ClientHelloDecoder decoder;
        ByteSpan input(garbage);
        REQUIRE(decoder.feed(input) == DecodeStatus::error);
        const auto good = wire::encode(wire::ClientHello{});
        ByteSpan again(good);
        CHECK(decoder.feed(again) == DecodeStatus::error);
        CHECK(decoder.error() == Reason::bad_magic);
    }
}

// --- ServerHello -----------------------------------------------------------------

TEST_CASE("protocol: accepting ServerHello round trip") {
    const auto bytes = wire::encode_accept(stream_info(1920, 1080, 29970, "camstreamd 9.8.7"));
    CHECK(bytes.size() == 10 + 12 + 16);
    wire::StreamDecoder decoder;
    ByteSpan input(bytes);
    REQUIRE(decoder.next(input) == DecodeStatus::item);
    CHECK(input.empty());
    REQUIRE(decoder.item_is_server_hello());
    const auto& hello = decoder.server_hello();
    CHECK(hello.accepted());
    CHECK(hello.status == Reason::none);
    CHECK(hello.info.width == 1920);
    CHECK(hello.info.height == 1080);
    CHECK(hello.info.fps_milli == 29970);
    CHECK(hello.info.codec == wire::Codec::jpeg);
    CHECK(hello.info.audio_codec == wire::AudioCodec::none);
    CHECK(hello.info.audio_channels == 0);
    CHECK(hello.info.server_version == "camstreamd 9.8.7");
    CHECK(bytes[10 + 9] == 0);  // without audio, the reserved bytes stay as version 1 had them
    CHECK(bytes[10 + 10] == 0);
}

TEST_CASE("protocol: the stream info tells the audio format, and refuses one it does not know") {
    auto info = stream_info(640, 480, 30000, "camstreamd 9.8.7");
    info.audio_codec = wire::AudioCodec::opus;
    info.audio_channels = 2;
    auto bytes = wire::encode_accept(info);
    CHECK(bytes[10 + 9] == 1);
    CHECK(bytes[10 + 10] == 2);
    CHECK(bytes[10 + 11] == 0);
    {
        wire::StreamDecoder decoder;
        ByteSpan input(bytes);
        REQUIRE(decoder.next(input) == DecodeStatus::item);
        CHECK(decoder.server_hello().info.audio_codec == wire::AudioCodec::opus);
        CHECK(decoder.server_hello().info.audio_channels == 2);
    }
    for (const auto& [codec, channels] : {std::pair{2, 1}, std::pair{1, 0}, std::pair{1, 3}}) {
        CAPTURE(codec);
        CAPTURE(channels);
        bytes[10 + 9] = static_cast<std::uint8_t>(codec);
        bytes[10 + 10] = static_cast<std::uint8_t>(channels);
        wire::StreamDecoder decoder;
        ByteSpan input(bytes);
        CHECK(decoder.next(input) == DecodeStatus::error);
        CHECK(decoder.error() == Reason::malformed);
    }
}

TEST_CASE("protocol: rejecting ServerHello round trip, and the stream ends there") {
    for (const auto reason : {Reason::bad_magic, Reason::unsupported_version, Reason::server_full,
                              Reason::unauthorized, Reason::malformed, Reason::hello_timeout,
                              Reason::shutting_down}) {
        CAPTURE(wire::to_string(reason));
        const auto bytes = wire::encode_reject(reason, "go away");
        CHECK(bytes.size() == 10 + 7);
        wire::StreamDecoder decoder;
        ByteSpan input(bytes);
        REQUIRE(decoder.next(input) == DecodeStatus::item);
        REQUIRE(decoder.item_is_server_hello());
        CHECK_FALSE(decoder.server_hello().accepted());
        CHECK(decoder.server_hello().status == reason);
        CHECK(decoder.server_hello().reason_text == "go away");

        // The connection closing now is normal...
        ByteSpan nothing;
        CHECK(decoder.next(nothing) == DecodeStatus::need_more);
        // ...but any byte after a rejection is an error.
        const Bytes extra{0x00};
        ByteSpan more(extra);
        CHECK(decoder.next(more) == DecodeStatus::error);
        CHECK(decoder.error() == Reason::malformed);
    }
}

TEST_CASE("protocol: a rejection with an empty text and with the longest text") {
    for (const std::size_t length : {std::size_t{0}, std::size_t{1024}}) {
        CAPTURE(length);
        const auto bytes = wire::encode_reject(Reason::server_full, std::string(length, 'r'));
        wire::StreamDecoder decoder;
        ByteSpan input(bytes);
        REQUIRE(decoder.next(input) == DecodeStatus::item);
        CHECK(decoder.server_hello().status == Reason::server_full);
        CHECK(decoder.server_hello().reason_text.size() == length);
    }
}

// --- messages --------------------------------------------------------------------

TEST_CASE("protocol: message header round trip") {
    wire::MessageHeader header;
    header.type = wire::MessageType::video_frame;
    header.payload_length = 5;
    header.sequence = 0xFEDCBA9876543210ull;
    header.timestamp_us = 0x0123456789ABCDEFull;
    const auto head = wire::encode(header);
    CHECK(hex(head) == "00 01 00 00 00 00 00 05 FE DC BA 98 76 54 32 10 01 23 45 67 89 AB CD EF");

    auto bytes = accepted_hello();
    append(bytes, head);
    append(bytes, bytes_of("hello"));
    wire::StreamDecoder decoder;
    ByteSpan input(bytes);
    REQUIRE(decoder.next(input) == DecodeStatus::item);
    REQUIRE(decoder.next(input) == DecodeStatus::item);
    CHECK(input.empty());
    CHECK_FALSE(decoder.item_is_server_hello());
    CHECK(decoder.header().type == wire::MessageType::video_frame);
    CHECK(decoder.header().flags == 0);
    CHECK(decoder.header().payload_length == 5);
    CHECK(decoder.header().sequence == header.sequence);
    CHECK(decoder.header().timestamp_us == header.timestamp_us);
    CHECK(hex(decoder.payload()) == hex(bytes_of("hello")));
}

TEST_CASE("protocol: a decoder that drops payloads still reports their length") {
    auto bytes = accepted_hello();
    append(bytes, message(1, 3, 4, fake_jpeg(1000, 0x33)));
    wire::StreamDecoder decoder(false);
    ByteSpan input(bytes);
    REQUIRE(decoder.next(input) == DecodeStatus::item);
    REQUIRE(decoder.next(input) == DecodeStatus::item);
    CHECK(decoder.header().payload_length == 1000);
    CHECK(decoder.header().sequence == 3);
    CHECK(decoder.payload().empty());
}

TEST_CASE("protocol: heartbeat round trip") {
    for (const auto state : {wire::SourceState::starting, wire::SourceState::live,
                             wire::SourceState::lost}) {
        for (const std::uint32_t age : {0u, 1234u, 0xFFFFFFFFu}) {
            CAPTURE(static_cast<int>(state));
            CAPTURE(age);
            wire::Heartbeat heartbeat;
            heartbeat.state = state;
            heartbeat.last_frame_age_ms = age;
            const auto payload = wire::encode_payload(heartbeat);
            REQUIRE(payload.size() == 8);
            CHECK(payload[0] == static_cast<std::uint8_t>(state));
            CHECK(payload[1] == 0);
            CHECK(payload[2] == 0);
            CHECK(payload[3] == 0);

            auto bytes = accepted_hello();
            append(bytes, wire::encode_message(wire::MessageType::heartbeat, 77, 88, payload));
            wire::StreamDecoder decoder;
            ByteSpan input(bytes);
            REQUIRE(decoder.next(input) == DecodeStatus::item);
            REQUIRE(decoder.next(input) == DecodeStatus::item);
            CHECK(decoder.header().type == wire::MessageType::heartbeat);
            CHECK(decoder.header().sequence == 77);
            CHECK(decoder.header().timestamp_us == 88);
            wire::Heartbeat parsed;
            REQUIRE(wire::parse_payload(decoder.payload(), parsed));
            CHECK(parsed.state == state);
            CHECK(parsed.audio == wire::AudioState::none);
            CHECK(parsed.last_frame_age_ms == age);
        }
    }
    for (const auto audio : {wire::AudioState::starting, wire::AudioState::live, wire::AudioState::lost}) {
        CAPTURE(static_cast<int>(audio));
        wire::Heartbeat heartbeat;
        heartbeat.audio = audio;
        const auto payload = wire::encode_payload(heartbeat);
        CHECK(payload[1] == static_cast<std::uint8_t>(audio));
        wire::Heartbeat parsed;
        REQUIRE(wire::parse_payload(payload, parsed));
        CHECK(parsed.audio == audio);
    }
}

TEST_CASE("protocol: heartbeat payloads of the wrong shape are refused") {
    wire::Heartbeat parsed;
    CHECK_FALSE(wire::parse_payload(Bytes(7, 0), parsed));
    CHECK_FALSE(wire::parse_payload(Bytes(9, 0), parsed));
    CHECK_FALSE(wire::parse_payload(Bytes{3, 0, 0, 0, 0, 0, 0, 0}, parsed));  // no state 3
    CHECK_FALSE(wire::parse_payload(Bytes{1, 4, 0, 0, 0, 0, 0, 0}, parsed));  // no audio state 4
    CHECK(wire::parse_payload(Bytes{2, 0, 0, 0, 0, 0, 0, 5}, parsed));
    CHECK(parsed.state == wire::SourceState::lost);
    CHECK(parsed.last_frame_age_ms == 5);
}

TEST_CASE("protocol: goodbye round trip") {
    for (const auto reason : {Reason::shutting_down, Reason::malformed}) {
        CAPTURE(wire::to_string(reason));
        wire::Goodbye goodbye;
        goodbye.reason = reason;
        goodbye.text = "see you";
        const auto payload = wire::encode_payload(goodbye);
        CHECK(payload.size() == 2 + 7);
        auto bytes = accepted_hello();
        append(bytes, wire::encode_message(wire::MessageType::goodbye, 0, 99, payload));
        wire::StreamDecoder decoder;
        ByteSpan input(bytes);
        REQUIRE(decoder.next(input) == DecodeStatus::item);
        REQUIRE(decoder.next(input) == DecodeStatus::item);
        CHECK(decoder.header().type == wire::MessageType::goodbye);
        wire::Goodbye parsed;
        REQUIRE(wire::parse_payload(decoder.payload(), parsed));
        CHECK(parsed.reason == reason);
        CHECK(parsed.text == "see you");
    }
    wire::Goodbye parsed;
    CHECK_FALSE(wire::parse_payload(Bytes{}, parsed));
    CHECK_FALSE(wire::parse_payload(Bytes{0}, parsed));
    REQUIRE(wire::parse_payload(Bytes{0, 7}, parsed));
    CHECK(parsed.reason == Reason::shutting_down);
    CHECK(parsed.text.empty());
}

// --- a whole stream, split anywhere ------------------------------------------------

TEST_CASE("protocol: a complete server stream decodes to the expected items") {
    const auto stream = sample_stream();
    const auto run = decode_whole(stream);
    CHECK_FALSE(run.failed);
    CHECK_FALSE(run.need_more_left_input);
    REQUIRE(run.items.size() == 7);
    CHECK(run.items[0] == "hello status=0 320x240@30000 codec=1 version='camstreamd test'");
    CHECK(run.items[1].rfind("message type=1 flags=0 length=100 seq=1 ts=1700000000000000 payload=[FF D8 11", 0) == 0);
    CHECK(run.items[2] == "message type=2 flags=0 length=8 seq=1 ts=1700000000500000 payload=[01 00 00 00 00 00 00 21]");
    // Audio and reserved types decode as items carrying their type; a caller
    // that does not want them skips them and the stream stays in step.
    CHECK(run.items[3] == "message type=16 flags=0 length=7 seq=7 ts=1700000000600000 payload=[" +
                             hex(bytes_of("audio!!")) + "]");
    CHECK(run.items[4] == "message type=47 flags=0 length=0 seq=0 ts=1700000000700000 payload=[]");
    CHECK(run.items[5].rfind("message type=1 flags=0 length=300 seq=2 ts=1700000000033333 payload=[FF D8 22", 0) == 0);
    CHECK(run.items[6] == "message type=3 flags=0 length=5 seq=0 ts=1700000000900000 payload=[00 07 62 79 65]");
    CHECK_FALSE(wire::is_reserved_type(16));  // AUDIO_PACKET
    CHECK(wire::is_reserved_type(17));
    CHECK(wire::is_reserved_type(47));
}

TEST_CASE("protocol: the stream split in two at every byte position decodes identically") {
    const auto stream = sample_stream();
    const ByteSpan all(stream);
    const auto expected = decode_whole(stream).text();
    REQUIRE(expected.find("error") == std::string::npos);
    for (std::size_t split = 0; split <= stream.size(); ++split) {
        CAPTURE(split);
        const auto run = decode_pieces({all.first(split), all.subspan(split)});
        CHECK_FALSE(run.need_more_left_input);
        REQUIRE(run.text() == expected);
    }
}

TEST_CASE("protocol: the stream fed one byte at a time decodes identically") {
    const auto stream = sample_stream();
    const auto run = decode_byte_at_a_time(stream);
    CHECK_FALSE(run.need_more_left_input);
    CHECK(run.text() == decode_whole(stream).text());
}

TEST_CASE("protocol: the stream in random pieces decodes identically") {
    const auto stream = sample_stream();
    const auto expected = decode_whole(stream).text();
    for (std::uint32_t seed = 1; seed <= 200; ++seed) {
        CAPTURE(seed);
        std::mt19937 random(seed);
        std::vector<ByteSpan> pieces;
        const ByteSpan all(stream);
        for (std::size_t at = 0; at < stream.size();) {
            const std::size_t length = std::min<std::size_t>(random() % 40, stream.size() - at);
            pieces.push_back(all.subspan(at, length));  // empty pieces too
            at += length;
        }
        REQUIRE(decode_pieces(pieces).text() == expected);
    }
}

TEST_CASE("protocol: a truncated stream needs more and never yields a partial item") {
    auto stream = accepted_hello();
    const auto hello_size = stream.size();
    append(stream, message(1, 5, 6, fake_jpeg(64, 0x44)));
    for (std::size_t length = 0; length < stream.size(); ++length) {
        CAPTURE(length);
        const auto run = decode_whole(ByteSpan(stream).first(length));
        CHECK_FALSE(run.failed);
        CHECK_FALSE(run.need_more_left_input);
        CHECK(run.items.size() == (length < hello_size ? 0u : 1u));
    }
    const auto reject = wire::encode_reject(Reason::server_full, "full");
    for (std::size_t length = 0; length < reject.size(); ++length) {
        CAPTURE(length);
        const auto run = decode_whole(ByteSpan(reject).first(length));
        CHECK_FALSE(run.failed);
        CHECK(run.items.empty());
    }
}

// --- StreamDecoder rejections --------------------------------------------------------

TEST_CASE("protocol: server hello rejections name the reason") {
    SUBCASE("bad magic") {
        const auto run = decode_whole(bytes_of("HTTP/1.1 200 OK\r\n\r\n"));
        CHECK(run.failed);
        CHECK(run.error == Reason::bad_magic);
        CHECK(run.items.empty());
    }
    SUBCASE("unsupported version") {
        auto bytes = accepted_hello();
        wire::store_be16(&bytes[4], 2);
        const auto run = decode_whole(bytes);
        CHECK(run.failed);
        CHECK(run.error == Reason::unsupported_version);
        CHECK(run.items.empty());
    }
    SUBCASE("body longer than 1024 bytes, refused from the fixed part alone") {
        for (const std::uint16_t status : {std::uint16_t{0}, std::uint16_t{3}}) {
            CAPTURE(status);
            Bytes fixed{'C', 'S', 'T', 'M', 0, 1, 0, 0, 0, 0};
            wire::store_be16(&fixed[6], status);
            wire::store_be16(&fixed[8], 1025);
            const auto run = decode_whole(fixed);  // no body bytes at all
            CHECK(run.failed);
            CHECK(run.error == Reason::malformed);
            CHECK(run.items.empty());
        }
    }
    SUBCASE("accepted hello with a body shorter than the stream info") {
        for (std::uint16_t length = 0; length < 12; ++length) {
            CAPTURE(length);
            Bytes bytes{'C', 'S', 'T', 'M', 0, 1, 0, 0, 0, 0};
            wire::store_be16(&bytes[8], length);
            append(bytes, Bytes(length, 0x01));
            const auto run = decode_whole(bytes);
            CHECK(run.failed);
            CHECK(run.error == Reason::malformed);
            CHECK(run.items.empty());
        }
        // Exactly the stream info, without version text, is fine.
        Bytes bytes{'C', 'S', 'T', 'M', 0, 1, 0, 0, 0, 12, 0, 4, 0, 3, 0, 0, 0x03, 0xE8, 1, 0, 0, 0};
        const auto run = decode_whole(bytes);
        CHECK_FALSE(run.failed);
        REQUIRE(run.items.size() == 1);
        CHECK(run.items[0] == "hello status=0 4x3@1000 codec=1 version=''");
    }
    SUBCASE("unknown codec") {
        for (const std::uint8_t codec : {std::uint8_t{0}, std::uint8_t{2}, std::uint8_t{255}}) {
            CAPTURE(static_cast<int>(codec));
            auto bytes = accepted_hello();
            bytes[10 + 8] = codec;
            const auto run = decode_whole(bytes);
            CHECK(run.failed);
            CHECK(run.error == Reason::malformed);
            CHECK(run.items.empty());
        }
    }
}

TEST_CASE("protocol: message rejections name the reason") {
    SUBCASE("unknown message types are malformed, reserved ones are items") {
        for (const std::uint16_t type : {0, 4, 9, 15, 48, 100, 0xFFFF}) {
            CAPTURE(type);
            auto bytes = accepted_hello();
            append(bytes, message(type, 1, 2, bytes_of("xx")));
            const auto run = decode_whole(bytes);
            CHECK(run.failed);
            CHECK(run.error == Reason::malformed);
            CHECK(run.items.size() == 1);  // the hello only
        }
        for (const std::uint16_t type : {16, 17, 31, 32, 47}) {
            CAPTURE(type);
            auto bytes = accepted_hello();
            append(bytes, message(type, 1, 2, bytes_of("xx")));
            const auto run = decode_whole(bytes);
            CHECK_FALSE(run.failed);
            REQUIRE(run.items.size() == 2);
            CHECK(run.items[1].rfind("message type=" + std::to_string(type) + " ", 0) == 0);
        }
    }
    SUBCASE("a payload over 16 MiB is refused from the header alone") {
        for (const std::uint32_t length : {16u * 1024u * 1024u + 1u, 0xFFFFFFFFu}) {
            CAPTURE(length);
            auto bytes = accepted_hello();
            append(bytes, message(1, 1, 2, {}, length));  // header only, no payload follows
            const auto run = decode_whole(bytes);
            CHECK(run.failed);
            CHECK(run.error == Reason::malformed);
            CHECK(run.items.size() == 1);
        }
    }
    SUBCASE("a payload of exactly 16 MiB is accepted") {
        constexpr std::uint32_t limit = 16u * 1024u * 1024u;
        auto bytes = accepted_hello();
        append(bytes, message(1, 9, 2, {}, limit));
        wire::StreamDecoder decoder(false);
        ByteSpan input(bytes);
        REQUIRE(decoder.next(input) == DecodeStatus::item);
        CHECK(decoder.next(input) == DecodeStatus::need_more);
        const Bytes payload(limit, 0x5A);
        ByteSpan rest(payload);
        REQUIRE(decoder.next(rest) == DecodeStatus::item);
        CHECK(rest.empty());
        CHECK(decoder.header().payload_length == limit);
        CHECK(decoder.header().sequence == 9);
    }
    SUBCASE("an error is final") {
        auto bytes = accepted_hello();
        append(bytes, message(9, 1, 2, {}));
        append(bytes, message(1, 2, 3, fake_jpeg(10, 0)));
        wire::StreamDecoder decoder;
        ByteSpan input(bytes);
        REQUIRE(decoder.next(input) == DecodeStatus::item);
        CHECK(decoder.next(input) == DecodeStatus::error);
        CHECK(decoder.next(input) == DecodeStatus::error);
        const auto good = message(1, 4, 5, fake_jpeg(10, 0));
        ByteSpan more(good);
        CHECK(decoder.next(more) == DecodeStatus::error);
        CHECK(decoder.error() == Reason::malformed);
    }
}

// --- garbage ---------------------------------------------------------------------------

TEST_CASE("protocol: random garbage never crashes the decoders nor yields items after an error") {
    const auto stream = sample_stream();
    for (std::uint32_t seed = 1; seed <= 500; ++seed) {
        CAPTURE(seed);
        std::mt19937 random(seed);
        Bytes input;
        switch (seed % 3) {
            case 0:  // pure noise
                input.resize(random() % 600);
                for (auto& byte : input) byte = static_cast<std::uint8_t>(random());
                break;
            case 1:  // a good hello, then noise
                input = accepted_hello();
                for (std::size_t i = random() % 600; i > 0; --i) {
                    input.push_back(static_cast<std::uint8_t>(random()));
                }
                break;
            default:  // a good stream with a few bytes changed
                input = stream;
                for (int i = 0; i < 3; ++i) {
                    input[random() % input.size()] = static_cast<std::uint8_t>(random());
                }
                break;
        }

        // The client side, in random pieces.
        wire::StreamDecoder decoder;
        bool failed = false;
        ByteSpan all(input);
        for (std::size_t at = 0; at < input.size();) {
            const std::size_t length = std::min<std::size_t>(1 + random() % 64, input.size() - at);
            ByteSpan piece = all.subspan(at, length);
            at += length;
            for (int guard = 0; guard < 1000; ++guard) {
                const auto before = piece.size();
                const auto status = decoder.next(piece);
                CHECK(piece.size() <= before);
                if (failed) {
                    REQUIRE_MESSAGE(status == DecodeStatus::error, "after an error: " << name(status));
                    break;
                }
                if (status == DecodeStatus::error) {
                    failed = true;
                    CHECK(decoder.error() != Reason::none);
                    CHECK_FALSE(decoder.error_text().empty());
                    break;
                }
                if (status == DecodeStatus::need_more) {
                    CHECK(piece.empty());
                    break;
                }
                if (!decoder.item_is_server_hello()) {
                    const auto type = static_cast<std::uint16_t>(decoder.header().type);
                    CHECK((type == 1 || type == 2 || type == 3 || type == 16 || wire::is_reserved_type(type)));
                    CHECK(decoder.header().payload_length <= wire::kMaxPayloadLength);
                    CHECK(decoder.payload().size() == decoder.header().payload_length);
                }
            }
        }

        // The server side: at most one hello, and nothing after an error.
        wire::ClientHelloDecoder hello_decoder;
        ByteSpan rest(input);
        const auto status = hello_decoder.feed(rest);
        if (status == DecodeStatus::error) {
            CHECK(hello_decoder.error() != Reason::none);
            ByteSpan again(input);
            CHECK(hello_decoder.feed(again) == DecodeStatus::error);
        } else if (status == DecodeStatus::need_more) {
            CHECK(rest.empty());
        } else {
            CHECK(hello_decoder.hello().token.size() <= wire::kMaxTokenLength);
        }
    }
}

// --- the specification document stays honest ---------------------------------------------

TEST_CASE("protocol: the example bytes in PROTOCOL.md section 8 are what the encoders produce") {
    const auto blocks = hex_blocks(section_lines(source_file("docs/PROTOCOL.md"), "## 8."));
    REQUIRE(blocks.size() == 3);

    wire::ClientHello hello;
    hello.max_fps = 10;
    CHECK(blocks[0].size() == 12);
    CHECK(hex(blocks[0]) == hex(wire::encode(hello)));
    CHECK(hex(blocks[0]) == "43 53 54 4D 00 01 00 0A 00 00 00 00");

    CHECK(blocks[1].size() == 38);
    CHECK(hex(blocks[1]) == hex(wire::encode_accept(stream_info(1280, 720, 30000, "camstreamd 0.1.0"))));

    wire::MessageHeader header;
    header.type = wire::MessageType::video_frame;
    header.payload_length = 51234;
    header.sequence = 42;
    header.timestamp_us = 1'700'000'000'000'000;
    CHECK(blocks[2].size() == 24);
    CHECK(hex(blocks[2]) == hex(wire::encode(header)));

    // And they decode to the values the text states.
    wire::ClientHelloDecoder hello_decoder;
    ByteSpan client_bytes(blocks[0]);
    REQUIRE(hello_decoder.feed(client_bytes) == DecodeStatus::item);
    CHECK(hello_decoder.hello().max_fps == 10);
    CHECK(hello_decoder.hello().token.empty());

    Bytes server_bytes = blocks[1];
    append(server_bytes, blocks[2]);
    append(server_bytes, fake_jpeg(51234, 0x55));
    const auto run = decode_whole(server_bytes);
    REQUIRE(run.items.size() == 2);
    CHECK(run.items[0] == "hello status=0 1280x720@30000 codec=1 version='camstreamd 0.1.0'");
    CHECK(run.items[1].rfind("message type=1 flags=0 length=51234 seq=42 ts=1700000000000000 ", 0) == 0);
}

// --- the numbers of PROTOCOL.md sections 4 and 5 ----------------------------------
//
// Both tables are read from the document, so a number changed on one side only
// fails here. What the parser expects (doc_table below):
//   section 4: the table whose header begins "| type | name |"; each row's type is
//     a number or a range "16–31" (en dash or hyphen), its name either a message
//     name (VIDEO_FRAME) or text beginning "reserved" (e.g. "reserved: audio").
//   section 5: the table whose header begins "| code | name |"; each row's name is
//     what wire::to_string() returns for the code, or text beginning "reserved"
//     (e.g. "reserved, never sent (formerly stalled)") for a code that is not sent
//     and that the implementation must not name.

namespace {

// The rows of the first table in `lines` whose header row starts with the cells
// `header`, each row as its trimmed cells, without the |---| separator row.
std::vector<std::vector<std::string>> doc_table(const std::vector<std::string>& lines,
                                                const std::vector<std::string>& header) {
    auto cells_of = [](const std::string& line) {
        std::vector<std::string> cells;
        std::istringstream in(line.substr(1));
        for (std::string cell; std::getline(in, cell, '|');) cells.push_back(trim(cell));
        return cells;
    };
    std::vector<std::vector<std::string>> rows;
    bool inside = false;
    for (const auto& line : lines) {
        const bool table_line = !line.empty() && line[0] == '|';
        if (inside && !table_line) break;
        if (!table_line) continue;
        auto cells = cells_of(line);
        if (!inside) {
            inside = cells.size() >= header.size() && std::equal(header.begin(), header.end(), cells.begin());
            continue;
        }
        if (!cells.empty() && cells[0].find_first_not_of("-: ") == std::string::npos) continue;
        rows.push_back(std::move(cells));
    }
    REQUIRE_MESSAGE(!rows.empty(), "no table with header '" << header.front() << " | ...' found");
    return rows;
}

bool names_reserved(const std::string& name) { return name.rfind("reserved", 0) == 0; }

struct NumberRange {
    std::uint32_t first = 0;
    std::uint32_t last = 0;
};

// "7" or "16–31" (en dash) or "16-31"; fails the test on anything else.
NumberRange parse_number_range(const std::string& cell) {
    static const std::string en_dash = "\xE2\x80\x93";
    std::string text = cell;
    if (const auto at = text.find(en_dash); at != std::string::npos) text.replace(at, en_dash.size(), "-");
    auto number = [&](const std::string& digits) {
        REQUIRE_MESSAGE((!digits.empty() && digits.size() <= 5 &&
                         std::all_of(digits.begin(), digits.end(),
                                     [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; })),
                        "not a number or range: '" << cell << "'");
        const auto value = static_cast<std::uint32_t>(std::stoul(digits));
        REQUIRE_MESSAGE(value <= 0xFFFF, "out of range: '" << cell << "'");
        return value;
    };
    const auto dash = text.find('-');
    if (dash == std::string::npos) {
        const auto value = number(text);
        return {value, value};
    }
    const NumberRange range{number(trim(text.substr(0, dash))), number(trim(text.substr(dash + 1)))};
    REQUIRE_MESSAGE(range.first <= range.last, "empty range: '" << cell << "'");
    return range;
}

}  // namespace

TEST_CASE("protocol: message types and reserved types are those of PROTOCOL.md section 4") {
    const auto rows = doc_table(section_lines(source_file("docs/PROTOCOL.md"), "## 4."), {"type", "name"});
    std::vector<NumberRange> reserved_ranges;
    std::vector<std::pair<std::string, std::uint32_t>> defined;  // name, type
    for (const auto& row : rows) {
        REQUIRE(row.size() >= 2);
        CAPTURE(row[0]);
        CAPTURE(row[1]);
        const auto range = parse_number_range(row[0]);
        if (names_reserved(row[1])) {
            reserved_ranges.push_back(range);
        } else {
            CHECK(range.first == range.last);  // a message type is one number
            defined.emplace_back(row[1], range.first);
        }
    }

    // The defined types: each name in the document has the number of its enumerator,
    // and no enumerator is missing from the document.
    const std::vector<std::pair<std::string, wire::MessageType>> implemented{
        {"VIDEO_FRAME", wire::MessageType::video_frame},
        {"HEARTBEAT", wire::MessageType::heartbeat},
        {"GOODBYE", wire::MessageType::goodbye},
        {"AUDIO_PACKET", wire::MessageType::audio_packet},
    };
    for (const auto& [name, type] : implemented) {
        CAPTURE(name);
        const auto row = std::find_if(defined.begin(), defined.end(), [&](const auto& d) { return d.first == name; });
        REQUIRE_MESSAGE(row != defined.end(), name << " is not in the table of section 4");
        CHECK(row->second == static_cast<std::uint32_t>(type));
        CHECK_FALSE(wire::is_reserved_type(static_cast<std::uint16_t>(type)));
    }
    for (const auto& [name, type] : defined) {
        CAPTURE(name);
        CHECK(std::any_of(implemented.begin(), implemented.end(), [&](const auto& i) { return i.first == name; }));
    }

    // Reserved: exactly the document's ranges, over every possible type number.
    std::vector<std::uint32_t> disagreements;
    for (std::uint32_t type = 0; type <= 0xFFFF; ++type) {
        const bool documented = std::any_of(reserved_ranges.begin(), reserved_ranges.end(),
                                            [&](const NumberRange& r) { return type >= r.first && type <= r.last; });
        if (wire::is_reserved_type(static_cast<std::uint16_t>(type)) != documented) disagreements.push_back(type);
    }
    std::ostringstream first_disagreements;
    for (std::size_t i = 0; i < std::min<std::size_t>(disagreements.size(), 10); ++i) {
        first_disagreements << disagreements[i] << " ";
    }
    INFO("types where is_reserved_type() and PROTOCOL.md disagree (first 10): " << first_disagreements.str());
    CHECK(disagreements.empty());
}

TEST_CASE("protocol: reason codes are those of PROTOCOL.md section 5") {
    // The daemon logs these names; the document is what operators read.
    const auto rows = doc_table(section_lines(source_file("docs/PROTOCOL.md"), "## 5."), {"code", "name"});
    // What to_string() says for a code the implementation does not name.
    const std::string unnamed(wire::to_string(static_cast<Reason>(0xFFFF)));
    std::vector<std::uint32_t> sent;
    std::vector<std::uint32_t> listed;
    for (const auto& row : rows) {
        REQUIRE(row.size() >= 2);
        CAPTURE(row[0]);
        CAPTURE(row[1]);
        const auto range = parse_number_range(row[0]);
        REQUIRE(range.first == range.last);
        const auto code = range.first;
        CHECK(std::find(listed.begin(), listed.end(), code) == listed.end());  // listed once
        listed.push_back(code);
        CHECK(code != 0);       // 0 means accepted (section 2), not a reason
        CHECK(code != 0xFFFF);  // the probe for `unnamed` above
        if (names_reserved(row[1])) {
            // A code the document retired must be gone from the implementation.
            CHECK(wire::to_string(static_cast<Reason>(code)) == unnamed);
        } else {
            sent.push_back(code);
            CHECK(wire::to_string(static_cast<Reason>(code)) == row[1]);
        }
    }

    // And the other way round: every code the implementation names is one the
    // document lists as sent.
    for (std::uint32_t code = 1; code < 0xFFFF; ++code) {
        const auto name = wire::to_string(static_cast<Reason>(code));
        if (name == unnamed) continue;
        CAPTURE(code);
        CAPTURE(name);
        CHECK_MESSAGE(std::find(sent.begin(), sent.end(), code) != sent.end(),
                      "reason " << code << " (" << name << ") is not listed as sent in PROTOCOL.md section 5");
    }
}
