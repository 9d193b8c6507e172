// camstream wire protocol v1: constants, message structs and their encoders.
// docs/PROTOCOL.md is the specification; this header mirrors it field by field.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace camstream::wire {

inline constexpr std::array<std::uint8_t, 4> kMagic{'C', 'S', 'T', 'M'};
inline constexpr std::uint16_t kVersion = 1;
inline constexpr std::uint16_t kDefaultPort = 10050;

inline constexpr std::size_t kClientHelloFixedSize = 12;
inline constexpr std::size_t kServerHelloFixedSize = 10;
inline constexpr std::size_t kStreamInfoFixedSize = 12;
inline constexpr std::size_t kMessageHeaderSize = 24;
inline constexpr std::size_t kHeartbeatPayloadSize = 8;

// A credential: a token (43 bytes) or a signed ticket (a JWT, a few hundred).
inline constexpr std::size_t kMaxTokenLength = 1024;
inline constexpr std::size_t kMaxServerHelloBody = 1024;
inline constexpr std::size_t kMaxPayloadLength = 16u * 1024u * 1024u;

// Reason codes travel in rejections and GOODBYE messages.
enum class Reason : std::uint16_t {
    none = 0,
    bad_magic = 1,
    unsupported_version = 2,
    server_full = 3,
    unauthorized = 4,
    malformed = 5,
    hello_timeout = 6,
    shutting_down = 7,
    // 8 is retired: a stalled viewer is reset without a goodbye (it is not reading).
};
std::string_view to_string(Reason reason);

enum class MessageType : std::uint16_t {
    video_frame = 1,
    heartbeat = 2,
    goodbye = 3,
};
// Types 16..47 are reserved for audio and events; version-1 clients skip them.
bool is_reserved_type(std::uint16_t type);

enum class Codec : std::uint8_t { jpeg = 1 };

enum class SourceState : std::uint8_t { starting = 0, live = 1, lost = 2 };
std::string_view to_string(SourceState state);

struct ClientHello {
    std::uint16_t version = kVersion;
    std::uint16_t max_fps = 0;  // 0 = no cap
    std::string token;
};

struct StreamInfo {
    std::uint16_t width = 0;
    std::uint16_t height = 0;
    std::uint32_t fps_milli = 0;
    Codec codec = Codec::jpeg;
    std::string server_version;
};

struct ServerHello {
    Reason status = Reason::none;  // none = accepted
    StreamInfo info;               // valid when accepted
    std::string reason_text;       // valid when rejected
    bool accepted() const { return status == Reason::none; }
};

struct MessageHeader {
    MessageType type = MessageType::video_frame;
    std::uint16_t flags = 0;
    std::uint32_t payload_length = 0;
    std::uint64_t sequence = 0;
    std::uint64_t timestamp_us = 0;
};

struct Heartbeat {
    SourceState state = SourceState::starting;
    std::uint32_t last_frame_age_ms = 0xFFFFFFFFu;
};

struct Goodbye {
    Reason reason = Reason::none;
    std::string text;
};

using Bytes = std::vector<std::uint8_t>;
using HeaderBytes = std::array<std::uint8_t, kMessageHeaderSize>;

Bytes encode(const ClientHello& hello);
Bytes encode_accept(const StreamInfo& info);
Bytes encode_reject(Reason reason, std::string_view text);
HeaderBytes encode(const MessageHeader& header);
Bytes encode_payload(const Heartbeat& heartbeat);
Bytes encode_payload(const Goodbye& goodbye);

// A complete header + payload message, for the small control messages.
Bytes encode_message(MessageType type, std::uint64_t sequence, std::uint64_t timestamp_us,
                     std::span<const std::uint8_t> payload);

// Payload parsers; false when the payload does not have the documented shape.
bool parse_payload(std::span<const std::uint8_t> payload, Heartbeat& out);
bool parse_payload(std::span<const std::uint8_t> payload, Goodbye& out);

// Big-endian helpers shared by the codecs.
void store_be16(std::uint8_t* at, std::uint16_t value);
void store_be32(std::uint8_t* at, std::uint32_t value);
void store_be64(std::uint8_t* at, std::uint64_t value);
std::uint16_t load_be16(const std::uint8_t* at);
std::uint32_t load_be32(const std::uint8_t* at);
std::uint64_t load_be64(const std::uint8_t* at);

}  // namespace camstream::wire
