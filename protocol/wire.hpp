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

// ClientHello flags: bit 0 asks for audio; every other bit must be 0.
inline constexpr std::uint16_t kHelloFlagAudio = 0x0001;

// Audio (docs/PROTOCOL.md section 4): Opus at 48 kHz, one 20 ms packet per message.
inline constexpr int kAudioSampleRate = 48000;
inline constexpr int kAudioPacketSamples = 960;  // per channel
inline constexpr std::int64_t kAudioPacketDurationUs = 20000;
inline constexpr std::size_t kMaxAudioPacketLength = 1275;  // RFC 6716, one 20 ms frame

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
    audio_packet = 16,
};
// Types 17..47 are reserved for audio and events; clients skip them. Type 16
// was reserved before audio existed, so clients written before it skip audio.
bool is_reserved_type(std::uint16_t type);

enum class Codec : std::uint8_t { jpeg = 1 };
enum class AudioCodec : std::uint8_t { none = 0, opus = 1 };

enum class SourceState : std::uint8_t { starting = 0, live = 1, lost = 2 };
std::string_view to_string(SourceState state);

// The microphone's state, in heartbeats to viewers that asked for audio.
enum class AudioState : std::uint8_t { none = 0, starting = 1, live = 2, lost = 3 };
std::string_view to_string(AudioState state);

struct ClientHello {
    std::uint16_t version = kVersion;
    std::uint16_t max_fps = 0;  // 0 = no cap
    bool audio = false;         // kHelloFlagAudio
    std::string token;
};

struct StreamInfo {
    std::uint16_t width = 0;
    std::uint16_t height = 0;
    std::uint32_t fps_milli = 0;
    Codec codec = Codec::jpeg;
    std::string server_version;
    // Told only to a viewer that asked for audio; none when the server has none.
    AudioCodec audio_codec = AudioCodec::none;
    std::uint8_t audio_channels = 0;  // 1 or 2 with Opus
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
    AudioState audio = AudioState::none;  // none unless the viewer asked for audio
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
