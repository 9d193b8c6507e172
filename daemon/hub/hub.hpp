// Hub: the newest frame and the set of viewer sessions. It fans each published
// frame out to every session (a reference each, never a copy), runs the one
// periodic timer that checks every session, and counts what happens.
#pragma once

#include "config/config.hpp"
#include "media/frame.hpp"
#include "outbox/outbox.hpp"
#include "hub/health.hpp"
#include "net/uv_handle.hpp"
#include "wire.hpp"
#include "outbox/zero_copy.hpp"

#include <functional>
#include <map>
#include <memory>

namespace camstream {

class Hub {
public:
    struct Callbacks {
        std::function<wire::Heartbeat()> source_status;
        std::function<void(int viewers)> viewers_changed;
    };

    Hub(uv_loop_t* loop, const Settings& settings, wire::StreamInfo stream_info, Callbacks callbacks);
    Hub(const Hub&) = delete;
    Hub& operator=(const Hub&) = delete;

    // Loop thread: a new frame for everyone.
    void publish(FramePtr frame);
    // Takes an accepted connection; the hub owns its session from here on.
    void add_connection(std::unique_ptr<UvHandle<uv_tcp_t>> socket);
    // What new viewers are told about the stream (the source changed on reload).
    void set_stream_info(const wire::StreamInfo& info) { accept_reply_ = wire::encode_accept(info); }
    // Live reload of what can change without reconnecting anyone.
    void apply(const ViewerSettings& viewer, const ServerSettings& server);
    // Says goodbye to every viewer and calls on_empty once all are closed (or after a bound).
    void shutdown(std::function<void()> on_empty);

    std::size_t connections() const { return sessions_.size(); }
    int viewers() const { return viewers_; }
    const HubCounters& counters() const { return counters_; }
    LatencySamples& send_latency() { return send_latency_us_; }

    // For sessions.
    bool admit_viewer(Session& session);
    void session_closed(Session& session, bool was_viewer);
    FramePtr latest_frame() const { return latest_; }
    FrameSplicer& splicer() { return splicer_; }
    const wire::Bytes& accept_reply() const { return accept_reply_; }
    wire::Heartbeat heartbeat() const { return callbacks_.source_status(); }
    std::uint64_t last_sequence() const { return latest_ ? latest_->sequence : 0; }
    const ViewerSettings& viewer_settings() const { return viewer_; }
    QueueLimits queue_limits() const { return {viewer_.queue_frames, viewer_.queue_bytes}; }
    Duration hello_timeout() const { return hello_timeout_; }
    int max_viewers() const { return max_viewers_; }
    void count_drops(std::size_t dropped) { counters_.frames_dropped += dropped; }
    void count_sent(const Frame& frame, std::int64_t now_us);
    void count_rejection() { ++counters_.rejections; }
    void count_stall() { ++counters_.stalls; }

private:
    void tick();
    void finish_shutdown();

    ViewerSettings viewer_;
    Duration hello_timeout_;
    int max_viewers_;
    wire::Bytes accept_reply_;
    Callbacks callbacks_;

    std::map<std::uint64_t, std::unique_ptr<Session>> sessions_;
    std::uint64_t next_session_id_ = 1;
    int viewers_ = 0;
    FramePtr latest_;
    FrameSplicer splicer_;
    HubCounters counters_;
    LatencySamples send_latency_us_;  // frame published -> last byte handed to the kernel
    std::function<void()> on_empty_;
    UvHandle<uv_timer_t> tick_timer_;
    std::unique_ptr<UvHandle<uv_timer_t>> shutdown_timer_;
};

}  // namespace camstream
