// Connection: see connection.hpp.
#include "hub/connection.hpp"

#include "hub/hub.hpp"
#include "media/clock.hpp"

#include <spdlog/spdlog.h>

namespace camstream {
namespace {
// A peer that never reads its last message must not hold the connection open.
constexpr auto kClosingGrace = std::chrono::seconds(1);
}  // namespace

Connection::Connection(Hub& hub, int protocol, std::unique_ptr<UvHandle<uv_tcp_t>> socket, std::string peer,
                       std::string host, std::uint64_t id)
    : hub_(hub),
      protocol_(protocol),
      id_(id),
      host_(std::move(host)),
      session_(hub.protocol(protocol).open_session()),
      outbox_(std::move(socket), std::move(peer), hub.viewer_settings().socket_send_buffer, hub.queue_limits(),
              hub.splicer(), *this),
      greeting_since_(Clock::now()) {}

void Connection::end_greeting() {
    if (!greeting_) return;
    greeting_ = false;
    hub_.greeting_ended(*this);
}

AdmissionDecision Connection::admit(Presented presented, Bytes accept_reply) {
    presented.protocol = hub_.protocol(protocol_).name();
    presented.peer = peer();
    presented.host = host_;
    auto decision = hub_.admit(*this, presented);
    if (!decision) return decision;
    end_greeting();
    state_ = State::streaming;
    admitted_ = true;
    listens_ = decision.audio;
    watches_ = presented.video;
    grant_ = decision.grant;
    outbox_.set_max_fps(decision.max_fps);
    outbox_.send_control(std::move(accept_reply), false);
    spdlog::info("viewer {} connected ({}{}, connection {}, max_fps {}{})", peer(), presented.protocol,
                 grant_.kind == Grant::Kind::open ? std::string() : ", " + grant_.describe(), id_,
                 decision.max_fps == 0 ? std::string("uncapped") : std::to_string(decision.max_fps),
                 listens_ ? ", with audio" : "");
    // A listener that joins while the microphone is not live hears so at once,
    // not at its next idle moment (which a flowing video never has).
    if (listens_ && hub_.health().audio_state() != wire::AudioState::live) audio_state_changed();
    if (!watches_) return decision;
    if (auto first = hub_.first_picture(protocol_)) outbox_.offer(first);
    return decision;
}

AdmissionDecision Connection::check_access(Presented presented) {
    presented.protocol = hub_.protocol(protocol_).name();
    presented.peer = peer();
    presented.host = host_;
    return hub_.check_access(presented);
}

void Connection::reject(Rejection why, const std::string& reason, Bytes reply) {
    if (state_ == State::closing) return;
    hub_.count_refusal(protocol_, peer(), host_, why, reason);
    start_closing();
    outbox_.send_control(std::move(reply), true);
}

void Connection::finish(const std::string& why, Bytes last_message) {
    if (state_ == State::closing) return;
    log_disconnect(why);
    start_closing();
    // Even with nothing to say, the close waits for the frame being written:
    // the viewer's last picture arrives whole (within the closing grace).
    outbox_.send_control(std::move(last_message), true);
}

void Connection::start_closing() {
    end_greeting();
    state_ = State::closing;
    closing_since_ = Clock::now();
    outbox_.stop_reading();
}

void Connection::close(const std::string& why, bool reset) {
    if (outbox_.closed()) return;
    if (state_ != State::closing) log_disconnect(why);
    end_greeting();
    state_ = State::closing;
    outbox_.close(reset);
}

void Connection::log_disconnect(const std::string& why) {
    end_reason_ = why;
    // One that never became a viewer was never logged as connected either; a
    // flood of such connects must not flood the log.
    spdlog::log(admitted_ ? spdlog::level::info : spdlog::level::debug,
                "viewer {} disconnected: {}; {} frames sent, {} dropped{}", peer(), why, outbox_.frames_sent(),
                outbox_.frames_dropped(),
                listens_ ? fmt::format("; {} audio packets sent, {} dropped", outbox_.audio_sent(), outbox_.audio_dropped())
                         : std::string());
}

void Connection::revoke(const std::string& why) {
    if (state_ == State::streaming) finish("unauthorized (" + why + ")", session_->goodbye(ProtocolSession::Ending::revoked, why));
}

void Connection::shut_down(const std::string& why) {
    if (state_ == State::streaming) {
        finish("shutting_down (" + why + ")", session_->goodbye(ProtocolSession::Ending::shutting_down, why));
    } else {
        close(why);
    }
}

void Connection::tick(Clock::time_point now) {
    if (outbox_.closed()) return;
    const auto& settings = hub_.viewer_settings();
    switch (state_) {
        case State::greeting: {
            const auto timeout = session_->greeting_timeout(hub_.hello_timeout());
            if (now - greeting_since_ >= timeout) session_->on_hello_timeout(*this, timeout);
            return;
        }
        case State::closing:
            if (now - closing_since_ >= kClosingGrace) close("final message not delivered");
            return;
        case State::streaming:
            if (outbox_.stalled(now, settings.stall_timeout)) {
                hub_.health().count_stall(protocol_);
                // No goodbye: the viewer is not reading. A reset frees the
                // kernel's copy of the unsent frames at once.
                close("stalled (no write progress for " + std::to_string(settings.stall_timeout.count()) + "ms)",
                      true);
                return;
            }
            if (!outbox_.writing() && now - outbox_.last_sent() >= settings.heartbeat_interval) {
                session_->on_idle(*this, hub_.health());
            }
            return;
    }
}

void Connection::audio_state_changed() {
    if (listens_ && state_ == State::streaming && !outbox_.closed()) session_->on_idle(*this, hub_.health());
}

void Connection::want_fresh_frame() { hub_.want_fresh_frame(*this); }

FramedPtr Connection::latest_frame() { return hub_.latest_frame(protocol_); }

void Connection::fresh_frame(const FramePtr& frame) {
    if (state_ != State::closing && !outbox_.closed()) session_->on_fresh_frame(*this, frame);
}

void Connection::on_input(std::span<const std::uint8_t> bytes) {
    if (state_ == State::closing) return;
    session_->on_input(*this, bytes);
}

void Connection::on_frame_sent(const FramedMessage& message, std::int64_t written_us) {
    bytes_sent_ += message.size();
    hub_.health().count_sent(protocol_, message.frame(), message.size(), written_us);
}

void Connection::on_frames_dropped(DropCause cause, std::size_t frames) {
    hub_.health().count_dropped(protocol_, cause, frames);
}

void Connection::on_audio_sent(std::size_t packets, std::size_t bytes) {
    bytes_sent_ += bytes;
    hub_.health().count_audio_sent(protocol_, packets, bytes);
}

void Connection::on_audio_dropped(std::size_t packets) { hub_.health().count_audio_dropped(protocol_, packets); }

void Connection::on_failure(const std::string& why) {
    if (state_ != State::closing) log_disconnect(why);
    end_greeting();
    state_ = State::closing;
}

void Connection::on_closed() {
    // The last callback of this connection: the hub frees it here.
    hub_.connection_closed(*this);
}

}  // namespace camstream
