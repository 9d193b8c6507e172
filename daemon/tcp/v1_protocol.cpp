// V1Protocol and its sessions: see v1_protocol.hpp.
#include "tcp/v1_protocol.hpp"

#include "decoder.hpp"
#include "hub/connection.hpp"
#include "hub/health.hpp"
#include "media/clock.hpp"

namespace camstream {
namespace {

Bytes goodbye_message(wire::Reason reason, std::string_view text) {
    const wire::Goodbye goodbye{reason, std::string(text)};
    return wire::encode_message(wire::MessageType::goodbye, 0, static_cast<std::uint64_t>(wall_clock_us()),
                                wire::encode_payload(goodbye));
}

wire::Reason to_wire(Rejection rejection) {
    switch (rejection) {
        case Rejection::server_full: return wire::Reason::server_full;
        case Rejection::unauthorized:
        case Rejection::rate_limited:
        case Rejection::stream_limit: return wire::Reason::unauthorized;
        case Rejection::hello_timeout: return wire::Reason::hello_timeout;
        case Rejection::address_limit:
        case Rejection::greeting_limit:
        case Rejection::no_descriptors: return wire::Reason::server_full;
        case Rejection::bad_hello: break;
    }
    return wire::Reason::malformed;
}

class V1Session final : public ProtocolSession {
public:
    explicit V1Session(V1Protocol& protocol) : protocol_(protocol) {}

    void on_input(Connection& connection, std::span<const std::uint8_t> input) override {
        if (connection.state() == Connection::State::streaming) {
            // Version 1 viewers say nothing after their hello.
            connection.finish("malformed (unexpected bytes after the hello)",
                              goodbye_message(wire::Reason::malformed, "unexpected bytes after the hello"));
            return;
        }
        switch (decoder_.feed(input)) {
            case wire::DecodeStatus::need_more:
                return;
            case wire::DecodeStatus::error:
                reject(connection, Rejection::bad_hello, decoder_.error(), decoder_.error_text());
                return;
            case wire::DecodeStatus::item:
                if (!input.empty()) {
                    reject(connection, Rejection::bad_hello, wire::Reason::malformed,
                           "unexpected bytes after the hello");
                    return;
                }
                on_hello(connection, decoder_.hello());
                return;
        }
    }

    void on_hello_timeout(Connection& connection, std::chrono::milliseconds timeout) override {
        reject(connection, Rejection::hello_timeout, wire::Reason::hello_timeout,
               "no complete hello within " + std::to_string(timeout.count()) + "ms");
    }

    void on_idle(Connection& connection, const Health& health) override {
        const auto now_us = wall_clock_us();
        wire::Heartbeat heartbeat;
        heartbeat.state = health.source_state(now_us);
        if (connection.listens()) heartbeat.audio = health.audio_state();
        if (const auto age = health.last_frame_age_ms(now_us)) heartbeat.last_frame_age_ms = *age;
        connection.send(wire::encode_message(wire::MessageType::heartbeat, health.last_sequence(),
                                             static_cast<std::uint64_t>(now_us), wire::encode_payload(heartbeat)));
    }

    Bytes goodbye(Ending ending, std::string_view why) override {
        return goodbye_message(ending == Ending::revoked ? wire::Reason::unauthorized : wire::Reason::shutting_down, why);
    }

private:
    void on_hello(Connection& connection, const wire::ClientHello& hello) {
        Presented presented;
        if (!hello.token.empty()) presented.credential = hello.token;
        presented.max_fps = hello.max_fps;
        presented.audio = hello.audio;
        const auto decision = connection.admit(std::move(presented), protocol_.accept_reply(hello.audio));
        if (!decision) reject(connection, *decision.refused, to_wire(*decision.refused), decision.detail);
    }

    void reject(Connection& connection, Rejection why, wire::Reason reason, const std::string& detail) {
        connection.reject(why, std::string(wire::to_string(reason)) + " (" + detail + ")",
                          wire::encode_reject(reason, detail));
    }

    V1Protocol& protocol_;
    wire::ClientHelloDecoder decoder_;
};

}  // namespace

void V1Protocol::set_stream_info(const wire::StreamInfo& info) {
    accept_with_audio_ = wire::encode_accept(info);
    auto without_audio = info;
    without_audio.audio_codec = wire::AudioCodec::none;
    without_audio.audio_channels = 0;
    accept_reply_ = wire::encode_accept(without_audio);
}

std::unique_ptr<ProtocolSession> V1Protocol::open_session() { return std::make_unique<V1Session>(*this); }

Bytes V1Protocol::refusal(Rejection why, std::string_view detail) const {
    // Before its hello a client expects a ServerHello: a reject is one.
    return wire::encode_reject(to_wire(why), detail);
}

namespace {

// A frame or an audio packet behind its v1 header: the payload is shared, never copied.
FramedPtr framed(wire::MessageType type, const FramePtr& media, FramedMessage::Pipe pipe) {
    wire::MessageHeader header;
    header.type = type;
    header.payload_length = static_cast<std::uint32_t>(media->bytes().size());
    header.sequence = media->sequence;
    header.timestamp_us = static_cast<std::uint64_t>(media->times.captured_us);
    const auto head = wire::encode(header);
    return std::make_shared<const FramedMessage>(media, Bytes(head.begin(), head.end()), std::span<const std::uint8_t>{},
                                                 pipe);
}

}  // namespace

FramedPtr V1Protocol::frame(const FramePtr& frame) {
    return framed(wire::MessageType::video_frame, frame, FramedMessage::Pipe::fill);
}

FramedPtr V1Protocol::audio(const FramePtr& packet) {
    // 50 small messages a second: a pipe each would cost more than it saves.
    return framed(wire::MessageType::audio_packet, packet, FramedMessage::Pipe::none);
}

}  // namespace camstream
