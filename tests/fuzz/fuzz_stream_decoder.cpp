// Fuzzes StreamDecoder, which camview and the load generator run on whatever a
// server (or anything posing as one) sends. The input is that byte stream.
// Properties:
//  - decoding it in one piece, byte by byte, and in input-derived chunks (with
//    empty reads among them) gives the same items (hello, headers, payloads,
//    each ending at the same byte) and the same final status and error;
//  - a decoder that drops payloads (keep_payload = false) sees the same headers;
//  - every item is what docs/PROTOCOL.md allows: the hello comes first and only
//    once, lengths within their limits, types known or reserved, and each item
//    re-encodes with protocol/'s encoders to the bytes it was read from;
//  - the payload parsers camview applies to heartbeats and goodbyes accept
//    exactly the documented shapes.
#include "decoder.hpp"
#include "fuzz_support.hpp"

using namespace camstream;
using camstream::fuzz::hex;
using wire::DecodeStatus;

namespace {

struct Item {
    std::size_t begin = 0;  // input offsets of the item's first byte and one past its last
    std::size_t end = 0;
    bool is_hello = false;
    wire::ServerHello hello;
    wire::MessageHeader header;
    std::vector<std::uint8_t> payload;
};

struct Outcome {
    std::vector<Item> items;
    DecodeStatus final_status = DecodeStatus::need_more;
    std::size_t consumed = 0;
    wire::Reason error = wire::Reason::none;
    std::string error_text;
};

std::string describe(const Item& item) {
    if (item.is_hello) {
        const auto& h = item.hello;
        return "[" + std::to_string(item.begin) + "," + std::to_string(item.end) +
               ") hello status " + std::to_string(static_cast<int>(h.status)) + " " +
               std::to_string(h.info.width) + "x" + std::to_string(h.info.height) + " fps_milli " +
               std::to_string(h.info.fps_milli) + " version '" + h.info.server_version +
               "' reason '" + h.reason_text + "'";
    }
    const auto& m = item.header;
    return "[" + std::to_string(item.begin) + "," + std::to_string(item.end) + ") type " +
           std::to_string(static_cast<int>(m.type)) + " flags " + std::to_string(m.flags) +
           " length " + std::to_string(m.payload_length) + " sequence " +
           std::to_string(m.sequence) + " timestamp " + std::to_string(m.timestamp_us) +
           " payload " + hex(item.payload, 16);
}

std::string describe(const Outcome& o) {
    std::string text = std::to_string(o.items.size()) + " items:";
    for (const auto& item : o.items) text += "\n    " + describe(item);
    text += "\n  then " +
            std::string(o.final_status == DecodeStatus::error ? "error" : "need_more") + " after " +
            std::to_string(o.consumed) + " bytes";
    if (o.final_status == DecodeStatus::error) {
        text += ", reason " + std::to_string(static_cast<int>(o.error)) + " '" + o.error_text + "'";
    }
    return text;
}

bool same_item(const Item& a, const Item& b, bool compare_payload) {
    if (a.begin != b.begin || a.end != b.end || a.is_hello != b.is_hello) return false;
    if (a.is_hello) {
        const auto &x = a.hello, &y = b.hello;
        return x.status == y.status && x.reason_text == y.reason_text &&
               x.info.width == y.info.width && x.info.height == y.info.height &&
               x.info.fps_milli == y.info.fps_milli && x.info.codec == y.info.codec &&
               x.info.server_version == y.info.server_version;
    }
    const auto &x = a.header, &y = b.header;
    return x.type == y.type && x.flags == y.flags && x.payload_length == y.payload_length &&
           x.sequence == y.sequence && x.timestamp_us == y.timestamp_us &&
           (!compare_payload || a.payload == b.payload);
}

bool same(const Outcome& a, const Outcome& b, bool compare_payload) {
    if (a.final_status != b.final_status || a.consumed != b.consumed || a.error != b.error ||
        a.error_text != b.error_text || a.items.size() != b.items.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.items.size(); ++i) {
        if (!same_item(a.items[i], b.items[i], compare_payload)) return false;
    }
    return true;
}

Outcome decode(std::span<const std::uint8_t> data, const std::vector<std::size_t>& sizes,
               bool keep_payload = true) {
    wire::StreamDecoder decoder(keep_payload);
    Outcome out;
    std::size_t offset = 0;
    std::size_t item_begin = 0;
    const std::vector<std::size_t> one_empty_read{0};
    for (const auto size : sizes.empty() ? one_empty_read : sizes) {
        auto chunk = data.subspan(offset, size);
        for (;;) {
            const std::size_t before = chunk.size();
            const auto status = decoder.next(chunk);
            FUZZ_CHECK(chunk.size() <= before, "next() grew its input");
            offset += before - chunk.size();
            if (status == DecodeStatus::item) {
                // Every item takes at least 10 (hello) or 24 (header) bytes.
                FUZZ_CHECK(offset > item_begin, "an item that took no bytes");
                Item item;
                item.begin = item_begin;
                item.end = offset;
                item.is_hello = decoder.item_is_server_hello();
                if (item.is_hello) {
                    item.hello = decoder.server_hello();
                } else {
                    item.header = decoder.header();
                    item.payload = decoder.payload();
                }
                out.items.push_back(std::move(item));
                item_begin = offset;
                continue;
            }
            out.final_status = status;
            if (status == DecodeStatus::need_more) {
                FUZZ_CHECK(chunk.empty(), "need_more left bytes of the chunk unconsumed");
            }
            break;
        }
        if (out.final_status == DecodeStatus::error) break;
    }
    out.consumed = offset;
    out.error = decoder.error();
    out.error_text = decoder.error_text();
    if (out.final_status == DecodeStatus::error) {
        FUZZ_CHECK(out.error != wire::Reason::none && !out.error_text.empty(),
                   "an error needs a reason and a text");
        std::span<const std::uint8_t> more(data);
        FUZZ_CHECK(decoder.next(more) == DecodeStatus::error, "a failed decoder recovered");
    }
    return out;
}

std::vector<std::uint8_t> bytes_of(std::span<const std::uint8_t> data, const Item& item) {
    return {data.begin() + static_cast<std::ptrdiff_t>(item.begin),
            data.begin() + static_cast<std::ptrdiff_t>(item.end)};
}

// What the specification says about each item the one-shot decode produced.
void check_items(std::span<const std::uint8_t> data, const Outcome& whole) {
    for (std::size_t i = 0; i < whole.items.size(); ++i) {
        const auto& item = whole.items[i];
        FUZZ_CHECK(item.is_hello == (i == 0),
                   "the server hello must be the first item, and only it");
        auto original = bytes_of(data, item);
        if (item.is_hello) {
            const auto& hello = item.hello;
            FUZZ_CHECK(original.size() <= wire::kServerHelloFixedSize + wire::kMaxServerHelloBody,
                       "a server hello longer than 10 + 1024 bytes");
            wire::Bytes encoded;
            if (hello.accepted()) {
                FUZZ_CHECK(hello.info.codec == wire::Codec::jpeg, "codec must be JPEG");
                // The decoder ignores the reserved byte, and the channel count
                // when there is no audio codec; the encoder writes zeros there.
                original[21] = 0;
                if (original[19] == 0) original[20] = 0;
                encoded = wire::encode_accept(hello.info);
            } else {
                FUZZ_CHECK(whole.items.size() == 1, "items after a rejection");
                encoded = wire::encode_reject(hello.status, hello.reason_text);
            }
            FUZZ_CHECK(encoded == original, "the hello " + describe(item) + " re-encodes to " +
                                                hex(encoded) + " instead of " + hex(original));
            continue;
        }
        const auto& header = item.header;
        const auto type = static_cast<std::uint16_t>(header.type);
        FUZZ_CHECK((type >= 1 && type <= 3) || type == 16 || wire::is_reserved_type(type),
                   "an unknown message type was accepted: " + describe(item));
        FUZZ_CHECK(header.payload_length <= wire::kMaxPayloadLength, "a payload over 16 MiB");
        FUZZ_CHECK(item.payload.size() == header.payload_length &&
                       item.end - item.begin == wire::kMessageHeaderSize + header.payload_length,
                   "payload size does not match its header: " + describe(item));
        const auto head = wire::encode(header);
        FUZZ_CHECK(std::equal(head.begin(), head.end(), original.begin()),
                   "the header " + describe(item) + " re-encodes to " + hex(head));
        FUZZ_CHECK(std::equal(item.payload.begin(), item.payload.end(),
                              original.begin() + wire::kMessageHeaderSize),
                   "the payload differs from the bytes it was read from");

        // What camview does with the payloads it parses.
        if (header.type == wire::MessageType::heartbeat) {
            wire::Heartbeat heartbeat;
            const bool documented = item.payload.size() == 8 && item.payload[0] <= 2 && item.payload[1] <= 3;
            FUZZ_CHECK(wire::parse_payload(item.payload, heartbeat) == documented,
                       "heartbeat parser disagrees with section 4: " + hex(item.payload));
            if (documented) {
                auto zeroed = item.payload;
                zeroed[2] = zeroed[3] = 0;  // reserved
                FUZZ_CHECK(wire::encode_payload(heartbeat) == zeroed,
                           "heartbeat re-encodes differently");
                (void)wire::to_string(heartbeat.state);
            }
        } else if (header.type == wire::MessageType::goodbye) {
            wire::Goodbye goodbye;
            const bool documented = item.payload.size() >= 2;
            FUZZ_CHECK(wire::parse_payload(item.payload, goodbye) == documented,
                       "goodbye parser disagrees with section 4: " + hex(item.payload));
            if (documented && item.payload.size() <= 2 + wire::kMaxServerHelloBody) {
                FUZZ_CHECK(wire::encode_payload(goodbye) == item.payload,
                           "goodbye re-encodes differently");
                (void)wire::to_string(goodbye.reason);
            }
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
    const std::span<const std::uint8_t> data(bytes, size);

    const Outcome whole = decode(data, {size});
    check_items(data, whole);

    for (const auto& sizes : fuzz::chunkings(data)) {
        const Outcome chunked = decode(data, sizes);
        FUZZ_CHECK(same(chunked, whole, true), "chunked decode (" + std::to_string(sizes.size()) +
                                                   " reads) gave " + describe(chunked) +
                                                   "\n  one-shot gave " + describe(whole) +
                                                   "\n  input " + hex(data));
    }

    const Outcome counting = decode(data, fuzz::chunk_sizes(data, 3, 40), false);
    FUZZ_CHECK(same(counting, whole, false), "keep_payload = false gave " + describe(counting) +
                                                 "\n  keep_payload = true gave " + describe(whole));
    for (const auto& item : counting.items) {
        FUZZ_CHECK(item.payload.empty(), "keep_payload = false kept a payload");
    }
    return 0;
}
