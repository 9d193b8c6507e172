// Unit tests of the client decoder's memory use against a hostile server: a
// header may declare 16 MiB, but the decoder must hold memory only for bytes
// that actually arrived (docs/PROTOCOL.md section 9).
#include "decoder.hpp"
#include "wire.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <span>
#include <vector>

namespace wire = camstream::wire;
using wire::Bytes;
using wire::DecodeStatus;

namespace {

using ByteSpan = std::span<const std::uint8_t>;

constexpr std::size_t kSixteenMiB = wire::kMaxPayloadLength;
// What the decoder may hold beyond the bytes received: its growth step (1 MiB)
// plus the 1 KiB a ServerHello body may need.
constexpr std::size_t kAllowedHeadroom = 1024 * 1024 + 1024;

// A decoder that has taken an accepting ServerHello.
wire::StreamDecoder accepted_decoder() {
    wire::StreamDecoder decoder;
    const Bytes hello = wire::encode_accept({320, 240, 30000, wire::Codec::jpeg, "scripted"});
    ByteSpan input(hello);
    REQUIRE(decoder.next(input) == DecodeStatus::item);
    REQUIRE(decoder.item_is_server_hello());
    return decoder;
}

wire::HeaderBytes frame_header(std::uint32_t payload_length) {
    wire::MessageHeader header;
    header.type = wire::MessageType::video_frame;
    header.payload_length = payload_length;
    header.sequence = 7;
    header.timestamp_us = 1'700'000'000'000'000;
    return wire::encode(header);
}

// Bytes that differ from their neighbours, so a misplaced chunk shows.
Bytes patterned(std::size_t size) {
    Bytes out(size);
    for (std::size_t i = 0; i < size; ++i) {
        out[i] = static_cast<std::uint8_t>((i * 2654435761u) >> 13);
    }
    return out;
}

}  // namespace

TEST_CASE("protocol: a header declaring 16 MiB reserves nothing before the payload arrives") {
    auto decoder = accepted_decoder();
    const auto header = frame_header(static_cast<std::uint32_t>(kSixteenMiB));
    ByteSpan input(header);
    CHECK(decoder.next(input) == DecodeStatus::need_more);
    CHECK(input.empty());
    CAPTURE(decoder.buffered_capacity());
    CHECK(decoder.buffered_capacity() < 4096);

    const Bytes few(100, 0xAB);
    input = ByteSpan(few);
    CHECK(decoder.next(input) == DecodeStatus::need_more);
    CHECK(input.empty());
    CAPTURE(decoder.buffered_capacity());
    CHECK(decoder.buffered_capacity() < 4096);
}

TEST_CASE("protocol: a full 16 MiB payload fed in 64 KiB chunks decodes, memory following the bytes") {
    auto decoder = accepted_decoder();
    const auto header = frame_header(static_cast<std::uint32_t>(kSixteenMiB));
    ByteSpan input(header);
    REQUIRE(decoder.next(input) == DecodeStatus::need_more);

    const Bytes payload = patterned(kSixteenMiB);
    constexpr std::size_t kChunk = 64 * 1024;
    std::size_t fed = 0;
    std::size_t largest_excess = 0;
    DecodeStatus status = DecodeStatus::need_more;
    while (fed < payload.size()) {
        const std::size_t take = std::min(kChunk, payload.size() - fed);
        input = ByteSpan(payload).subspan(fed, take);
        status = decoder.next(input);
        fed += take;
        CHECK(input.empty());
        if (fed < payload.size()) {
            REQUIRE(status == DecodeStatus::need_more);
        }
        const std::size_t capacity = decoder.buffered_capacity();
        if (capacity > fed) largest_excess = std::max(largest_excess, capacity - fed);
        if (capacity > fed + kAllowedHeadroom) {
            FAIL("after " << fed << " bytes the decoder holds " << capacity);
        }
    }
    CAPTURE(largest_excess);
    REQUIRE(status == DecodeStatus::item);
    CHECK_FALSE(decoder.item_is_server_hello());
    CHECK(decoder.header().type == wire::MessageType::video_frame);
    CHECK(decoder.header().payload_length == kSixteenMiB);
    CHECK(decoder.header().sequence == 7);
    REQUIRE(decoder.payload().size() == kSixteenMiB);
    CHECK(decoder.payload() == payload);
    // Never more than the declared length, however it grew.
    CHECK(decoder.buffered_capacity() <= kSixteenMiB + 1024);
}

TEST_CASE("protocol: a 16 MiB payload in one piece decodes without holding more than it") {
    auto decoder = accepted_decoder();
    Bytes stream;
    const auto header = frame_header(static_cast<std::uint32_t>(kSixteenMiB));
    stream.insert(stream.end(), header.begin(), header.end());
    const Bytes payload = patterned(kSixteenMiB);
    stream.insert(stream.end(), payload.begin(), payload.end());

    ByteSpan input(stream);
    REQUIRE(decoder.next(input) == DecodeStatus::item);
    CHECK(input.empty());
    CHECK(decoder.payload() == payload);
    CHECK(decoder.buffered_capacity() <= kSixteenMiB + 1024);
}

TEST_CASE("protocol: small frames after a large one reuse its buffer and still decode") {
    auto decoder = accepted_decoder();
    for (const std::size_t size : {std::size_t{300'000}, std::size_t{10}, std::size_t{0},
                                   std::size_t{50'000}}) {
        CAPTURE(size);
        Bytes stream;
        const auto header = frame_header(static_cast<std::uint32_t>(size));
        stream.insert(stream.end(), header.begin(), header.end());
        const Bytes payload = patterned(size);
        stream.insert(stream.end(), payload.begin(), payload.end());
        ByteSpan input(stream);
        REQUIRE(decoder.next(input) == DecodeStatus::item);
        CHECK(decoder.payload() == payload);
    }
}
