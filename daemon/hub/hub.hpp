// Hub: the newest frame and every connection. It frames each new frame (and
// each audio packet) once per protocol that has viewers (listeners) and offers
// that one message to each of them (a reference each, never a copy), runs the
// one periodic timer that checks every
// connection, and is the way connections reach admission, health and the
// watch-time record.
#pragma once

#include "access/watch_time.hpp"
#include "config/config.hpp"
#include "hub/admission.hpp"
#include "hub/connection.hpp"
#include "hub/health.hpp"
#include "hub/refusal_log.hpp"
#include "hub/viewer_protocol.hpp"
#include "net/uv_handle.hpp"
#include "outbox/zero_copy.hpp"

#include <functional>
#include <map>
#include <memory>
#include <vector>

namespace camstream {

class Hub {
public:
    Hub(uv_loop_t* loop, const Settings& settings, Admission& admission, Health& health, WatchTime& watch_time);

    // Every connection must have closed (shutdown() finished) first.
    ~Hub();
    Hub(const Hub&) = delete;
    Hub& operator=(const Hub&) = delete;

    // At start-up: a protocol whose listener will hand connections in; returns its number.
    int add_protocol(ViewerProtocol& protocol);
    // Called with demand() whenever it changes.
    void on_demand_changed(std::function<void(int)> callback) { demand_changed_ = std::move(callback); }
    // Who wants frames encoded: viewers, plus requests waiting for a fresh frame.
    int demand() const {
        return health_.viewers() - listeners_only_ + static_cast<int>(fresh_frame_waiters_.size());
    }
    // Audio: whether the server has it (viewers asking for it get it only then),
    // and who wants it encoded: called with the number of listeners when it changes.
    void set_audio(bool available) { audio_ = available; }
    void on_listeners_changed(std::function<void(int)> callback) { listeners_changed_ = std::move(callback); }

    // Loop thread: a new frame for everyone.
    void publish(FramePtr frame);
    // Loop thread: a new audio packet for every listener, in capture order.
    void publish_audio(const FramePtr& packet);
    // The microphone went live or was lost: listeners are told at once.
    void audio_state_changed();
    // Takes an accepted socket, or refuses it at once (greeting limits); the hub
    // owns the descriptor from here on.
    void add_connection(int protocol, int fd, const sockaddr_storage& address);
    // A connection the listener had to drop for want of a file descriptor.
    void refuse_without_descriptor(int protocol, const sockaddr_storage& address);
    // Live reload of what can change without reconnecting anyone.
    void apply(const ViewerSettings& viewer, const ServerSettings& server);
    // Ends every viewer that access control no longer admits: after a reload,
    // and once a second for tickets that expire or run out of watch time.
    void revoke_disallowed();
    // Ends every connection of one protocol as a shutdown would (its listener was turned off).
    void end_protocol(int protocol);
    // Says goodbye to every viewer and calls on_empty once all are closed (or after a bound).
    void shutdown(std::function<void()> on_empty);
    std::size_t connections() const { return connections_.size(); }

    // --- for connections ---
    AdmissionDecision admit(Connection& connection, const Presented& presented);
    AdmissionDecision check_access(const Presented& presented) { return admission_.check_credential(presented); }
    // The connection has introduced itself (or is leaving): its greeting slot is free.
    void greeting_ended(Connection& connection);
    // Counts a refusal and logs it (throttled).
    void count_refusal(int protocol, std::string_view peer, std::string_view host, Rejection why,
                       std::string_view reason);
    // The newest frame framed for the protocol, if it is fresh enough to start a viewer with.
    FramedPtr first_picture(int protocol);
    // The newest frame framed for the protocol, however old; null when none.
    FramedPtr latest_frame(int protocol);
    // The connection gets the next frame (or the newest, if fresh) through
    // Connection::fresh_frame(); until then frames are encoded for it.
    void want_fresh_frame(Connection& connection);
    void connection_closed(Connection& connection);
    ViewerProtocol& protocol(int protocol) { return *protocols_[index(protocol)].protocol; }
    Health& health() { return health_; }
    FrameSplicer& splicer() { return splicer_; }
    const ViewerSettings& viewer_settings() const { return viewer_; }
    QueueLimits queue_limits() const { return {viewer_.queue_frames, viewer_.queue_bytes}; }
    Duration hello_timeout() const { return hello_timeout_; }

private:
    struct ProtocolEntry {
        ViewerProtocol* protocol;
        int viewers = 0;
        int listeners = 0;
        FramedPtr latest;  // the newest frame as this protocol frames it, while it has viewers
    };
    static std::size_t index(int protocol) { return static_cast<std::size_t>(protocol); }
    FramedPtr framed_latest(ProtocolEntry& entry);
    void tick();
    void refuse_at_once(int protocol, int fd, const std::string& peer, const std::string& host,
                        const AdmissionDecision& refusal);
    void finish_shutdown();
    void demand_changed();

    Admission& admission_;
    Health& health_;
    WatchTime& watch_time_;
    std::uint64_t ticks_ = 0;
    ViewerSettings viewer_;
    Duration hello_timeout_;
    std::vector<ProtocolEntry> protocols_;
    std::function<void(int)> demand_changed_;
    std::function<void(int)> listeners_changed_;
    bool audio_ = false;
    int listeners_only_ = 0;  // viewers that want no pictures (HTTP /audio)
    std::vector<std::uint64_t> fresh_frame_waiters_;  // connection ids

    std::map<std::uint64_t, std::unique_ptr<Connection>> connections_;
    // Connections still introducing themselves, by address and in all.
    std::map<std::string, int, std::less<>> greeting_by_host_;
    int greeting_total_ = 0;
    RefusalLog refusal_log_;
    std::uint64_t next_connection_id_ = 1;
    FramePtr latest_;
    FrameSplicer splicer_;
    std::function<void()> on_empty_;
    UvHandle<uv_timer_t> tick_timer_;
    std::unique_ptr<UvHandle<uv_timer_t>> shutdown_timer_;
};

}  // namespace camstream
