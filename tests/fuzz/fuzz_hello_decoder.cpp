// Fuzzes ClientHelloDecoder, the first thing the daemon parses from a stranger.
// The input is the bytes a client sends. Properties:
//  - decoding it in one piece, byte by byte, and in input-derived chunks (with
//    empty reads among them) gives the same status, the same hello or the same
//    error, and stops at the same byte;
//  - that outcome is the one docs/PROTOCOL.md section 1 prescribes, worked out
//    here independently, field by field;
//  - a decoded hello re-encodes to exactly the bytes it was read from;
//  - once finished, the decoder keeps its answer and consumes nothing more.
#include <optional>

#include "decoder.hpp"
#include "fuzz_support.hpp"

using namespace camstream;
using camstream::fuzz::hex;
using wire::DecodeStatus;

namespace {

struct Outcome {
    DecodeStatus status = DecodeStatus::need_more;
    std::size_t consumed = 0;  // bytes taken from the input before it stopped
    wire::ClientHello hello;
    wire::Reason error = wire::Reason::none;
    std::string error_text;
};

std::string describe(const Outcome& o) {
    std::string text = o.status == DecodeStatus::item    ? "item"
                       : o.status == DecodeStatus::error ? "error"
                                                         : "need_more";
    text += " after " + std::to_string(o.consumed) + " bytes";
    if (o.status == DecodeStatus::item) {
        text += ", version " + std::to_string(o.hello.version) + ", max_fps " +
                std::to_string(o.hello.max_fps) + ", token of " +
                std::to_string(o.hello.token.size()) + " bytes";
    }
    if (o.status == DecodeStatus::error) {
        text += ", reason " + std::to_string(static_cast<int>(o.error)) + " '" + o.error_text + "'";
    }
    return text;
}

Outcome decode(std::span<const std::uint8_t> data, const std::vector<std::size_t>& sizes) {
    wire::ClientHelloDecoder decoder;
    Outcome out;
    std::size_t offset = 0;
    // An empty input is still one (empty) read.
    const std::vector<std::size_t> one_empty_read{0};
    for (const auto size : sizes.empty() ? one_empty_read : sizes) {
        auto chunk = data.subspan(offset, size);
        out.status = decoder.feed(chunk);
        FUZZ_CHECK(chunk.size() <= size, "feed() grew its input");
        offset += size - chunk.size();
        if (out.status != DecodeStatus::need_more) break;
        FUZZ_CHECK(chunk.empty(), "need_more left " + std::to_string(chunk.size()) +
                                      " bytes of the chunk unconsumed");
    }
    out.consumed = offset;
    if (out.status == DecodeStatus::item) out.hello = decoder.hello();
    out.error = decoder.error();
    out.error_text = decoder.error_text();
    FUZZ_CHECK((out.status == DecodeStatus::error) == (out.error != wire::Reason::none),
               "error() must be set exactly when feed() says error: " + describe(out));

    // A finished decoder keeps its answer and takes nothing more.
    if (out.status != DecodeStatus::need_more) {
        const std::uint8_t more[3] = {'C', 'S', 'T'};
        std::span<const std::uint8_t> rest(more);
        const auto again = decoder.feed(rest);
        FUZZ_CHECK(again == out.status, "a finished decoder changed its status");
        FUZZ_CHECK(rest.size() == sizeof more, "a finished decoder consumed more input");
    }
    return out;
}

// docs/PROTOCOL.md section 1, checked in byte order: a decoder refuses a hello
// at its first wrong byte and stops right after a complete hello.
Outcome expected(std::span<const std::uint8_t> data) {
    Outcome out;
    auto be16 = [&](std::size_t at) {
        return static_cast<std::uint16_t>((data[at] << 8) | data[at + 1]);
    };
    auto error = [&](std::size_t consumed, wire::Reason reason) {
        out.status = DecodeStatus::error;
        out.consumed = consumed;
        out.error = reason;
        return out;
    };
    for (std::size_t at = 0; at < data.size() && at < wire::kClientHelloFixedSize; ++at) {
        if (at < 4 && data[at] != wire::kMagic[at]) return error(at + 1, wire::Reason::bad_magic);
        if (at == 5 && be16(4) != 1) return error(at + 1, wire::Reason::unsupported_version);
        // Flags: bit 0 asks for audio (PROTOCOL.md section 1); any other bit is malformed.
        if (at == 9 && (be16(8) & ~0x0001) != 0) return error(at + 1, wire::Reason::malformed);
        if (at == 11 && be16(10) > wire::kMaxTokenLength) return error(at + 1, wire::Reason::malformed);
    }
    if (data.size() < wire::kClientHelloFixedSize) {
        out.consumed = data.size();
        return out;
    }
    const std::size_t token_length = be16(10);
    if (data.size() < wire::kClientHelloFixedSize + token_length) {
        out.consumed = data.size();
        return out;
    }
    out.status = DecodeStatus::item;
    out.consumed = wire::kClientHelloFixedSize + token_length;
    out.hello.version = be16(4);
    out.hello.max_fps = be16(6);
    out.hello.token.assign(data.begin() + 12,
                           data.begin() + 12 + static_cast<std::ptrdiff_t>(token_length));
    return out;
}

bool same(const Outcome& a, const Outcome& b, bool compare_text) {
    if (a.status != b.status || a.consumed != b.consumed || a.error != b.error) return false;
    if (compare_text && a.error_text != b.error_text) return false;
    if (a.status != DecodeStatus::item) return true;
    return a.hello.version == b.hello.version && a.hello.max_fps == b.hello.max_fps &&
           a.hello.token == b.hello.token;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
    const std::span<const std::uint8_t> data(bytes, size);

    const Outcome whole = decode(data, {size});
    const Outcome spec = expected(data);
    FUZZ_CHECK(same(whole, spec, false), "one-shot decode gave " + describe(whole) +
                                             ", the specification says " + describe(spec) +
                                             "; input " + hex(data));
    if (whole.status == DecodeStatus::error) {
        FUZZ_CHECK(!whole.error_text.empty(), "an error needs a text");
    }
    if (whole.status == DecodeStatus::item) {
        const auto encoded = wire::encode(whole.hello);
        FUZZ_CHECK(std::equal(encoded.begin(), encoded.end(), data.begin(),
                              data.begin() + static_cast<std::ptrdiff_t>(whole.consumed)) &&
                       encoded.size() == whole.consumed,
                   "the decoded hello re-encodes to " + hex(encoded) + " instead of " +
                       hex(data.first(whole.consumed)));
    }

    for (const auto& sizes : fuzz::chunkings(data)) {
        const Outcome chunked = decode(data, sizes);
        FUZZ_CHECK(same(chunked, whole, true), "chunked decode (" + std::to_string(sizes.size()) +
                                                   " reads) gave " + describe(chunked) +
                                                   ", one-shot gave " + describe(whole) +
                                                   "; input " + hex(data));
    }
    return 0;
}
