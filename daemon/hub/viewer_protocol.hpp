// ViewerProtocol and ProtocolSession: all a viewer protocol (camstream's v1 TCP
// protocol today, HTTP next) supplies. How a connection introduces itself, how
// a frame is framed, and its control messages; everything else about a
// connection (its outbox, admission, timers, counting) is shared: connection.hpp.
#pragma once

#include "hub/admission.hpp"
#include "media/framed_message.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

namespace camstream {

class Connection;
class Health;

using Bytes = std::vector<std::uint8_t>;

// One connection's protocol state.
class ProtocolSession {
public:
    virtual ~ProtocolSession() = default;

    // Bytes the peer sent. The session answers through `connection`: admit()
    // once the peer said who it is, reject() or finish() when it must go.
    virtual void on_input(Connection& connection, std::span<const std::uint8_t> bytes) = 0;
    // How long a connection may stay greeting since its greeting clock last
    // started (Connection::restart_greeting_clock); server.hello_timeout unless
    // the protocol has its own (HTTP: request and keep-alive timeouts).
    virtual std::chrono::milliseconds greeting_timeout(std::chrono::milliseconds hello_timeout) const {
        return hello_timeout;
    }
    // The connection was greeting for greeting_timeout().
    virtual void on_hello_timeout(Connection& connection, std::chrono::milliseconds timeout) = 0;
    // A streaming viewer was sent nothing for viewer.heartbeat_interval: tell it
    // the source's state (v1's heartbeat), or show it the last frame again.
    virtual void on_idle(Connection& connection, const Health& health) = 0;
    // The fresh frame asked for with Connection::want_fresh_frame().
    virtual void on_fresh_frame(Connection& /*connection*/, const FramePtr& /*frame*/) {}
    // The server ends a streaming viewer: the last message before the
    // connection closes, or nothing.
    enum class Ending { shutting_down, revoked };
    virtual Bytes goodbye(Ending ending, std::string_view why) = 0;
};

class ViewerProtocol {
public:
    virtual ~ViewerProtocol() = default;

    // Its label in logs and counters: "tcp", "http".
    virtual std::string_view name() const = 0;
    virtual std::unique_ptr<ProtocolSession> open_session() = 0;
    // What a connection refused before it said anything is told, if anything
    // (sent only if the socket takes it at once).
    virtual Bytes refusal(Rejection why, std::string_view detail) const = 0;
    // Called once per frame, and only while this protocol has viewers.
    virtual FramedPtr frame(const FramePtr& frame) = 0;
    // Called once per audio packet while this protocol has listeners; null
    // when the protocol carries no audio.
    virtual FramedPtr audio(const FramePtr& /*packet*/) { return nullptr; }
};

}  // namespace camstream
