// Encoders for the camstream v1 messages (see docs/PROTOCOL.md).
#include "wire.hpp"

#include <algorithm>

namespace camstream::wire {

std::string_view to_string(Reason reason) {
    switch (reason) {
        case Reason::none: return "none";
        case Reason::bad_magic: return "bad magic";
        case Reason::unsupported_version: return "unsupported version";
        case Reason::server_full: return "server full";
        case Reason::unauthorized: return "unauthorized";
        case Reason::malformed: return "malformed";
        case Reason::hello_timeout: return "hello timeout";
        case Reason::shutting_down: return "shutting down";
    }
    return "unknown reason";
}

std::string_view to_string(SourceState state) {
    switch (state) {
        case SourceState::starting: return "starting";
        case SourceState::live: return "live";
        case SourceState::lost: return "lost";
    }
    return "unknown";
}

std::string_view to_string(AudioState state) {
    switch (state) {
        case AudioState::none: return "none";
        case AudioState::starting: return "starting";
        case AudioState::live: return "live";
        case AudioState::lost: return "lost";
    }
    return "unknown";
}

bool is_reserved_type(std::uint16_t type) { return type >= 17 && type <= 47; }

void store_be16(std::uint8_t* at, std::uint16_t value) {
    at[0] = static_cast<std::uint8_t>(value >> 8);
    at[1] = static_cast<std::uint8_t>(value);
}
void store_be32(std::uint8_t* at, std::uint32_t value) {
    store_be16(at, static_cast<std::uint16_t>(value >> 16));
    store_be16(at + 2, static_cast<std::uint16_t>(value));
}
void store_be64(std::uint8_t* at, std::uint64_t value) {
    store_be32(at, static_cast<std::uint32_t>(value >> 32));
    store_be32(at + 4, static_cast<std::uint32_t>(value));
}
std::uint16_t load_be16(const std::uint8_t* at) {
    return static_cast<std::uint16_t>((at[0] << 8) | at[1]);
}
std::uint32_t load_be32(const std::uint8_t* at) {
    return (std::uint32_t{load_be16(at)} << 16) | load_be16(at + 2);
}
std::uint64_t load_be64(const std::uint8_t* at) {
    return (std::uint64_t{load_be32(at)} << 32) | load_be32(at + 4);
}

namespace {

// Grows `out` by `tail` bytes. Sized once, then copied: GCC 12's -Warray-bounds
// misfires on vector::insert after a fixed-size prefix.
template <typename Range>
void append(Bytes& out, const Range& tail) {
    const auto at = out.size();
    out.resize(at + tail.size());
    std::copy(tail.begin(), tail.end(), out.begin() + static_cast<std::ptrdiff_t>(at));
}

Bytes server_hello(Reason status, const Bytes& body) {
    Bytes out(kServerHelloFixedSize);
    std::copy(kMagic.begin(), kMagic.end(), out.begin());
    store_be16(&out[4], kVersion);
    store_be16(&out[6], static_cast<std::uint16_t>(status));
    store_be16(&out[8], static_cast<std::uint16_t>(body.size()));
    append(out, body);
    return out;
}

}  // namespace

Bytes encode(const ClientHello& hello) {
    const auto token_length = std::min(hello.token.size(), kMaxTokenLength);
    Bytes out(kClientHelloFixedSize);
    std::copy(kMagic.begin(), kMagic.end(), out.begin());
    store_be16(&out[4], hello.version);
    store_be16(&out[6], hello.max_fps);
    store_be16(&out[8], hello.audio ? kHelloFlagAudio : 0);
    store_be16(&out[10], static_cast<std::uint16_t>(token_length));
    append(out, std::string_view(hello.token).substr(0, token_length));
    return out;
}

Bytes encode_accept(const StreamInfo& info) {
    const auto version_text = std::string_view(info.server_version)
                                  .substr(0, kMaxServerHelloBody - kStreamInfoFixedSize);
    Bytes body(kStreamInfoFixedSize, 0);
    store_be16(&body[0], info.width);
    store_be16(&body[2], info.height);
    store_be32(&body[4], info.fps_milli);
    body[8] = static_cast<std::uint8_t>(info.codec);
    body[9] = static_cast<std::uint8_t>(info.audio_codec);
    body[10] = info.audio_channels;
    append(body, version_text);
    return server_hello(Reason::none, body);
}

Bytes encode_reject(Reason reason, std::string_view text) {
    Bytes body;
    append(body, text.substr(0, kMaxServerHelloBody));
    return server_hello(reason, body);
}

HeaderBytes encode(const MessageHeader& header) {
    HeaderBytes out{};
    store_be16(&out[0], static_cast<std::uint16_t>(header.type));
    store_be16(&out[2], header.flags);
    store_be32(&out[4], header.payload_length);
    store_be64(&out[8], header.sequence);
    store_be64(&out[16], header.timestamp_us);
    return out;
}

Bytes encode_payload(const Heartbeat& heartbeat) {
    Bytes out(kHeartbeatPayloadSize, 0);
    out[0] = static_cast<std::uint8_t>(heartbeat.state);
    out[1] = static_cast<std::uint8_t>(heartbeat.audio);
    store_be32(&out[4], heartbeat.last_frame_age_ms);
    return out;
}

Bytes encode_payload(const Goodbye& goodbye) {
    Bytes out(2);
    store_be16(&out[0], static_cast<std::uint16_t>(goodbye.reason));
    append(out, std::string_view(goodbye.text).substr(0, kMaxServerHelloBody));
    return out;
}

Bytes encode_message(MessageType type, std::uint64_t sequence, std::uint64_t timestamp_us,
                     std::span<const std::uint8_t> payload) {
    MessageHeader header;
    header.type = type;
    header.payload_length = static_cast<std::uint32_t>(payload.size());
    header.sequence = sequence;
    header.timestamp_us = timestamp_us;
    const auto head = encode(header);
    Bytes out(head.begin(), head.end());
    append(out, payload);
    return out;
}

bool parse_payload(std::span<const std::uint8_t> payload, Heartbeat& out) {
    if (payload.size() != kHeartbeatPayloadSize || payload[0] > 2 || payload[1] > 3) return false;
    out.state = static_cast<SourceState>(payload[0]);
    out.audio = static_cast<AudioState>(payload[1]);
    out.last_frame_age_ms = load_be32(&payload[4]);
    return true;
}

bool parse_payload(std::span<const std::uint8_t> payload, Goodbye& out) {
    if (payload.size() < 2) return false;
    out.reason = static_cast<Reason>(load_be16(payload.data()));
    out.text.assign(payload.begin() + 2, payload.end());
    return true;
}

}  // namespace camstream::wire
