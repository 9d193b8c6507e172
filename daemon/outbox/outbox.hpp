// Session: one viewer connection, from hello to close.
//
// It owns the viewer's socket, its hello decoder, its bounded frame queue and
// its write progress. At most one frame is being written at a time; new frames
// wait in the queue (drop-oldest), so a slow viewer loses frames instead of
// growing memory, and a viewer whose writes stop moving is cut off.
#pragma once

#include "outbox/backpressure.hpp"
#include "decoder.hpp"
#include "media/frame.hpp"
#include "net/uv_handle.hpp"

#include <chrono>
#include <cstdint>
#include <string>

namespace camstream {

class Hub;

class Session {
public:
    using Clock = std::chrono::steady_clock;
    enum class State { handshake, streaming, closing };

    // Takes over an accepted connection.
    Session(Hub& hub, std::unique_ptr<UvHandle<uv_tcp_t>> socket, std::uint64_t id);
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    // Queues a new frame for this viewer (drop-oldest) and starts writing if idle.
    void offer(const FramePtr& frame);
    // Periodic checks: hello timeout, stall, heartbeat.
    void tick(Clock::time_point now);
    // Says goodbye with a reason, then closes once the goodbye is written.
    void finish(wire::Reason reason, const std::string& detail);
    // Closes at once; `why` goes to the log. reset drops unsent data (stalled viewers).
    void close(const std::string& why, bool reset = false);

    void set_queue_limits(QueueLimits limits) { frames_dropped_ += queue_.set_limits(limits); }

    State state() const { return state_; }
    std::uint64_t id() const { return id_; }

private:
    void on_read(ssize_t nread, const uv_buf_t* buf);
    void on_hello(const wire::ClientHello& hello);
    void reject(wire::Reason reason, const std::string& detail);
    void write_next_frame();
    void write_rest_of_frame(std::size_t already_sent);
    void on_frame_written(int status);
    void frame_sent(std::int64_t written_us);
    void send_control(wire::Bytes bytes, bool close_after);
    void send_heartbeat(Clock::time_point now);
    std::size_t pending_write_bytes() const;

    Hub& hub_;
    std::unique_ptr<UvHandle<uv_tcp_t>> socket_;
    std::uint64_t id_;
    std::string peer_;
    State state_ = State::handshake;
    bool admitted_ = false;  // counted as a viewer by the hub
    Clock::time_point connected_at_;
    Clock::time_point closing_since_{};
    Clock::time_point last_sent_{};

    wire::ClientHelloDecoder hello_decoder_;
    FrameQueue queue_;
    WriteProgress progress_;
    RateCap rate_cap_{0};

    // The frame being written and its request: one at a time per viewer.
    FramePtr in_flight_;
    uv_write_t frame_write_{};
    std::int64_t in_flight_written_us_ = 0;  // when its last byte reached the kernel, if known
    std::uint64_t frames_sent_ = 0;
    std::uint64_t frames_dropped_ = 0;
};

}  // namespace camstream
