// Connection: one accepted socket, from its first byte to its close, whatever
// protocol it speaks. It pairs the shared mechanism (an Outbox) with the
// protocol's session, and owns what every protocol has in common: the hello
// timeout, admission, heartbeat and stall timers, the closing grace, logging
// and counting. The hub owns every connection.
#pragma once

#include "hub/admission.hpp"
#include "hub/viewer_protocol.hpp"
#include "outbox/outbox.hpp"

#include <chrono>
#include <memory>
#include <string>

namespace camstream {

class Hub;

class Connection final : private Outbox::Listener {
public:
    using Clock = Outbox::Clock;
    enum class State { greeting, streaming, closing };

    // peer: "address:port"; host: the address alone.
    Connection(Hub& hub, int protocol, std::unique_ptr<UvHandle<uv_tcp_t>> socket, std::string peer, std::string host,
               std::uint64_t id);
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // --- for the protocol session ---
    // Asks the one admission step; when admitted, sends accept_reply, and the
    // viewer starts streaming with the newest picture. The caller answers a refusal.
    AdmissionDecision admit(Presented presented, Bytes accept_reply);
    // Access control alone, for a request that is no stream (an HTTP snapshot).
    AdmissionDecision check_access(Presented presented);
    // Refuses the connection: counts it under `why`, logs `reason` (the
    // protocol's words), sends the reply, closes.
    void reject(Rejection why, const std::string& reason, Bytes reply);
    // Ends a streaming viewer: logs why, sends the last message (if any), closes.
    void finish(const std::string& why, Bytes last_message);
    void send(Bytes message, bool close_after = false) { outbox_.send_control(std::move(message), close_after); }
    void send(FramedPtr message, bool close_after = false) { outbox_.send_control(std::move(message), close_after); }
    // Starts the clock of greeting_timeout() again (an HTTP connection between requests).
    void restart_greeting_clock() { greeting_since_ = Clock::now(); }
    // Asks for the next frame, encoded even if nobody watches; the session's
    // on_fresh_frame() gets it (at once if the newest one is fresh).
    void want_fresh_frame();
    // The newest frame as this connection's protocol frames it; null when none.
    FramedPtr latest_frame();
    const std::string& peer() const { return outbox_.peer(); }
    const std::string& host() const { return host_; }

    // --- for the hub (and a session showing a frame again) ---
    void offer(const FramedPtr& message) { outbox_.offer(message); }
    void offer_audio(const FramedPtr& packet) { outbox_.offer_audio(packet); }
    // The audio state changed: a viewer that listens is told at once (v1: a heartbeat).
    void audio_state_changed();
    void fresh_frame(const FramePtr& frame);
    void tick(Clock::time_point now);
    // Ends the connection for the server's reason: a viewer gets its protocol's goodbye.
    void shut_down(const std::string& why);
    // Ends a viewer whose credential no longer admits it (revoked, expired, out of watch time).
    void revoke(const std::string& why);
    void set_queue_limits(QueueLimits limits) { outbox_.set_queue_limits(limits); }
    // Closes at once; `why` goes to the log. reset drops unsent data.
    void close(const std::string& why, bool reset = false);
    State state() const { return state_; }
    bool admitted() const { return admitted_; }
    // Admitted, asked for audio, and the server has audio.
    bool listens() const { return listens_; }
    // Admitted for pictures (all but a listener only, HTTP /audio).
    bool watches() const { return watches_; }
    int protocol() const { return protocol_; }
    // What access control admitted the viewer with.
    const Grant& grant() const { return grant_; }
    // Why it ended (once it has): what the log said.
    const std::string& end_reason() const { return end_reason_; }
    std::uint64_t frames_sent() const { return outbox_.frames_sent(); }
    std::uint64_t bytes_sent() const { return bytes_sent_; }
    std::uint64_t id() const { return id_; }

private:
    void on_input(std::span<const std::uint8_t> bytes) override;
    void on_frame_sent(const FramedMessage& message, std::int64_t written_us) override;
    void on_frames_dropped(DropCause cause, std::size_t frames) override;
    void on_audio_sent(std::size_t packets, std::size_t bytes) override;
    void on_audio_dropped(std::size_t packets) override;
    void on_failure(const std::string& why) override;
    void on_closed() override;
    void log_disconnect(const std::string& why);
    void start_closing();
    void end_greeting();

    Hub& hub_;
    int protocol_;
    std::uint64_t id_;
    std::string host_;
    bool greeting_ = true;  // counted by the hub as still introducing itself
    std::unique_ptr<ProtocolSession> session_;
    Outbox outbox_;
    State state_ = State::greeting;
    bool admitted_ = false;  // counted as a viewer
    bool listens_ = false;   // counted as a listener
    bool watches_ = true;
    Grant grant_;
    std::string end_reason_;
    std::uint64_t bytes_sent_ = 0;
    Clock::time_point greeting_since_;
    Clock::time_point closing_since_{};
};

}  // namespace camstream
