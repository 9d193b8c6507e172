// Fuzzes protocol/'s encoders against its decoders. From the input it builds a
// ClientHello and a server stream (an accepting or rejecting ServerHello, then
// video frames, heartbeats, goodbyes and reserved-type messages) with the
// encoders the daemon and camview use, cuts the bytes at input-chosen points,
// decodes them, and compares every field with what was encoded. Fields the
// encoders truncate (token, server version, texts) must come back truncated
// to the documented limit, not otherwise changed.
#include <fuzzer/FuzzedDataProvider.h>

#include "decoder.hpp"
#include "fuzz_support.hpp"

using namespace camstream;
using camstream::fuzz::hex;
using wire::DecodeStatus;

namespace {

// One message as it was built, with what its payload parses to.
struct Sent {
    wire::MessageHeader header;
    wire::Bytes payload;
    wire::Heartbeat heartbeat;  // for heartbeats
    wire::Goodbye goodbye;      // for goodbyes, text as it must arrive
};

// Cut points chosen by the input: small pieces, or pieces of any size.
std::vector<std::size_t> cut(FuzzedDataProvider& input, std::size_t total) {
    const std::size_t largest = input.ConsumeBool() ? 8 : total;
    std::vector<std::size_t> sizes;
    std::size_t left = total;
    while (left > 0) {
        std::size_t size = input.remaining_bytes() > 0
                               ? input.ConsumeIntegralInRange<std::size_t>(0, largest)
                               : left;
        if (size > left) size = left;
        sizes.push_back(size);
        left -= size;
    }
    return sizes;
}

std::string truncated(const std::string& text, std::size_t limit) {
    return text.substr(0, std::min(text.size(), limit));
}

void client_hello_round_trip(FuzzedDataProvider& input) {
    wire::ClientHello sent;
    sent.version = input.ConsumeBool() ? wire::kVersion : input.ConsumeIntegral<std::uint16_t>();
    sent.max_fps = input.ConsumeIntegral<std::uint16_t>();
    sent.token = input.ConsumeRandomLengthString(300);
    const auto bytes = wire::encode(sent);
    const auto sizes = cut(input, bytes.size());

    wire::ClientHelloDecoder decoder;
    std::span<const std::uint8_t> all(bytes);
    auto status = DecodeStatus::need_more;
    for (const auto size : sizes) {
        auto chunk = all.first(size);
        status = decoder.feed(chunk);
        all = all.subspan(size - chunk.size());
        if (status != DecodeStatus::need_more) break;
    }
    if (sent.version != wire::kVersion) {
        FUZZ_CHECK(
            status == DecodeStatus::error && decoder.error() == wire::Reason::unsupported_version,
            "a version-" + std::to_string(sent.version) + " hello must be refused as unsupported");
        return;
    }
    FUZZ_CHECK(status == DecodeStatus::item, "an encoded hello did not decode: " +
                                                 decoder.error_text() + "; bytes " + hex(bytes));
    FUZZ_CHECK(all.empty(), "the decoder stopped before the end of the hello");
    const auto& got = decoder.hello();
    FUZZ_CHECK(got.version == sent.version && got.max_fps == sent.max_fps,
               "version or max_fps changed on the way");
    FUZZ_CHECK(got.token == truncated(sent.token, wire::kMaxTokenLength),
               "the token came back as '" + got.token + "', sent '" + sent.token + "'");
}

void server_stream_round_trip(FuzzedDataProvider& input) {
    wire::Bytes stream;
    auto append = [&stream](std::span<const std::uint8_t> bytes) {
        stream.insert(stream.end(), bytes.begin(), bytes.end());
    };

    // The hello.
    wire::ServerHello hello;
    const bool accept = input.ConsumeBool();
    std::string sent_text;
    if (accept) {
        hello.info.width = input.ConsumeIntegral<std::uint16_t>();
        hello.info.height = input.ConsumeIntegral<std::uint16_t>();
        hello.info.fps_milli = input.ConsumeIntegral<std::uint32_t>();
        sent_text = input.ConsumeRandomLengthString(1100);
        hello.info.server_version = sent_text;
        append(wire::encode_accept(hello.info));
    } else {
        // Reason 0 means "accepted": a rejection always carries another code.
        hello.status =
            static_cast<wire::Reason>(input.ConsumeIntegralInRange<std::uint16_t>(1, 0xFFFF));
        sent_text = input.ConsumeRandomLengthString(1100);
        append(wire::encode_reject(hello.status, sent_text));
    }

    // The messages; after a rejection, stray bytes that the decoder must refuse.
    std::vector<Sent> sent;
    bool stray_bytes = false;
    if (accept) {
        while (input.remaining_bytes() > 0 && sent.size() < 32 && input.ConsumeBool()) {
            Sent message;
            auto& h = message.header;
            switch (input.ConsumeIntegralInRange(0, 3)) {
                case 0: {  // a frame, as the daemon frames it: header, then the JPEG bytes
                    h.type = wire::MessageType::video_frame;
                    h.flags = input.ConsumeIntegral<std::uint16_t>();
                    h.sequence = input.ConsumeIntegral<std::uint64_t>();
                    h.timestamp_us = input.ConsumeIntegral<std::uint64_t>();
                    message.payload =
                        input.ConsumeBytes<std::uint8_t>(input.ConsumeIntegralInRange(0, 2000));
                    h.payload_length = static_cast<std::uint32_t>(message.payload.size());
                    const auto head = wire::encode(h);
                    append(head);
                    append(message.payload);
                    break;
                }
                case 1: {
                    h.type = wire::MessageType::heartbeat;
                    message.heartbeat.state =
                        static_cast<wire::SourceState>(input.ConsumeIntegralInRange(0, 2));
                    message.heartbeat.last_frame_age_ms = input.ConsumeIntegral<std::uint32_t>();
                    message.payload = wire::encode_payload(message.heartbeat);
                    break;
                }
                case 2: {
                    h.type = wire::MessageType::goodbye;
                    wire::Goodbye goodbye;
                    goodbye.reason =
                        static_cast<wire::Reason>(input.ConsumeIntegral<std::uint16_t>());
                    goodbye.text = input.ConsumeRandomLengthString(1100);
                    message.payload = wire::encode_payload(goodbye);
                    message.goodbye = goodbye;
                    message.goodbye.text = truncated(goodbye.text, wire::kMaxServerHelloBody);
                    break;
                }
                default: {
                    h.type = static_cast<wire::MessageType>(input.ConsumeIntegralInRange(16, 47));
                    message.payload =
                        input.ConsumeBytes<std::uint8_t>(input.ConsumeIntegralInRange(0, 300));
                    break;
                }
            }
            if (h.type != wire::MessageType::video_frame) {
                h.sequence = input.ConsumeIntegral<std::uint64_t>();
                h.timestamp_us = input.ConsumeIntegral<std::uint64_t>();
                h.payload_length = static_cast<std::uint32_t>(message.payload.size());
                append(wire::encode_message(h.type, h.sequence, h.timestamp_us, message.payload));
            }
            sent.push_back(std::move(message));
        }
    } else if (input.ConsumeBool()) {
        const std::uint8_t stray[] = {0, 1};
        append(stray);
        stray_bytes = true;
    }

    // Cut, decode.
    const auto sizes = cut(input, stream.size());
    wire::StreamDecoder decoder;
    std::span<const std::uint8_t> all(stream);
    bool got_hello = false;
    std::size_t received = 0;
    auto status = DecodeStatus::need_more;
    for (const auto size : sizes) {
        auto chunk = all.first(size);
        for (;;) {
            status = decoder.next(chunk);
            if (status != DecodeStatus::item) break;
            if (decoder.item_is_server_hello()) {
                FUZZ_CHECK(!got_hello, "a second server hello");
                got_hello = true;
                const auto& got = decoder.server_hello();
                FUZZ_CHECK(got.status == hello.status, "the hello status changed on the way");
                if (accept) {
                    FUZZ_CHECK(got.info.width == hello.info.width &&
                                   got.info.height == hello.info.height &&
                                   got.info.fps_milli == hello.info.fps_milli &&
                                   got.info.codec == wire::Codec::jpeg,
                               "stream info changed on the way");
                    FUZZ_CHECK(got.info.server_version ==
                                   truncated(sent_text, wire::kMaxServerHelloBody -
                                                            wire::kStreamInfoFixedSize),
                               "server version came back as '" + got.info.server_version + "'");
                } else {
                    FUZZ_CHECK(got.reason_text == truncated(sent_text, wire::kMaxServerHelloBody),
                               "rejection text came back as '" + got.reason_text + "'");
                }
                continue;
            }
            FUZZ_CHECK(got_hello, "a message before the hello");
            FUZZ_CHECK(received < sent.size(), "more messages than were sent");
            const auto& want = sent[received++];
            const auto& got = decoder.header();
            const std::string which =
                "message " + std::to_string(received) + " of " + std::to_string(sent.size());
            FUZZ_CHECK(got.type == want.header.type && got.flags == want.header.flags &&
                           got.payload_length == want.header.payload_length &&
                           got.sequence == want.header.sequence &&
                           got.timestamp_us == want.header.timestamp_us,
                       which + ": header changed on the way");
            FUZZ_CHECK(decoder.payload() == want.payload,
                       which + ": payload changed on the way: " + hex(decoder.payload()) +
                           " instead of " + hex(want.payload));
            if (got.type == wire::MessageType::heartbeat) {
                wire::Heartbeat heartbeat;
                FUZZ_CHECK(wire::parse_payload(decoder.payload(), heartbeat),
                           which + ": heartbeat does not parse");
                FUZZ_CHECK(heartbeat.state == want.heartbeat.state &&
                               heartbeat.last_frame_age_ms == want.heartbeat.last_frame_age_ms,
                           which + ": heartbeat fields changed on the way");
            } else if (got.type == wire::MessageType::goodbye) {
                wire::Goodbye goodbye;
                FUZZ_CHECK(wire::parse_payload(decoder.payload(), goodbye),
                           which + ": goodbye does not parse");
                FUZZ_CHECK(
                    goodbye.reason == want.goodbye.reason && goodbye.text == want.goodbye.text,
                    which + ": goodbye fields changed on the way");
            }
        }
        if (status == DecodeStatus::error) break;
        FUZZ_CHECK(chunk.empty(), "need_more with bytes left in the chunk");
        all = all.subspan(size);
    }

    FUZZ_CHECK(got_hello, "no server hello came out of " + hex(stream));
    FUZZ_CHECK(received == sent.size(), "decoded " + std::to_string(received) + " of " +
                                            std::to_string(sent.size()) + " messages");
    if (stray_bytes) {
        FUZZ_CHECK(status == DecodeStatus::error && decoder.error() == wire::Reason::malformed,
                   "bytes after a rejection must be refused");
    } else {
        FUZZ_CHECK(status == DecodeStatus::need_more,
                   "a well-formed stream ended in an error: " + decoder.error_text());
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
    FuzzedDataProvider input(bytes, size);
    client_hello_round_trip(input);
    server_stream_round_trip(input);
    return 0;
}
