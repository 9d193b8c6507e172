// ViewerProtocol: how one simulated viewer talks to the server, kept apart from
// sockets and timing so a second protocol (HTTP MJPEG) is one more subclass.
//
// The load generator only needs five facts from a stream: the server accepted
// (and at what nominal frame rate), it refused, a frame completed (its sequence
// and capture timestamp), an audio packet arrived (its sequence), or it said
// goodbye. Each protocol turns its own bytes
// into those events; connection handling, scheduling and statistics stay shared.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace camstream::bench {

enum class ProtocolKind {
    tcp,         // camstream wire protocol v1 (docs/PROTOCOL.md)
    http_mjpeg,  // GET /stream: a multipart/x-mixed-replace stream of JPEGs
};

std::string_view protocol_name(ProtocolKind kind);

// What a protocol reports while it is fed.
class ViewerEvents {
public:
    virtual ~ViewerEvents() = default;
    virtual void on_accepted(double nominal_fps) = 0;
    virtual void on_rejected(std::string_view reason) = 0;
    // The frame's last byte was in the chunk just fed.
    virtual void on_frame(std::uint64_t sequence, std::uint64_t capture_timestamp_us) = 0;
    // A whole AUDIO_PACKET (wire protocol only, and only to a viewer that asked).
    virtual void on_audio_packet(std::uint64_t sequence) = 0;
    virtual void on_goodbye(std::string_view reason) = 0;
};

class ViewerProtocol {
public:
    virtual ~ViewerProtocol() = default;

    virtual ProtocolKind kind() const = 0;

    // What the viewer sends once connected (a hello, an HTTP request).
    virtual std::vector<std::uint8_t> opening_request() const = 0;
    // Consumes received bytes, split anywhere; false on a protocol error (see error_text()).
    virtual bool feed(std::span<const std::uint8_t> bytes, ViewerEvents& events) = 0;
    virtual const std::string& error_text() const = 0;
};

// One protocol object per connection: each keeps its own parse state.
// `credential` (a token or a ticket; empty: none) goes in the TCP hello's token
// field, or in an `Authorization: Bearer` header of the HTTP request. `audio`:
// a TCP viewer asks for audio in its hello (HTTP viewers watch /stream only).
std::unique_ptr<ViewerProtocol> make_viewer_protocol(ProtocolKind kind, std::string credential = {},
                                                     bool audio = false);

}  // namespace camstream::bench
