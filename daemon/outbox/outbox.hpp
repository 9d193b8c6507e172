// Outbox: everything about sending to one viewer's socket, whatever protocol
// the viewer speaks: the socket itself, the bounded frame queue (drop-oldest),
// the one message in flight, zero-copy sending, write-progress (stall)
// tracking and the viewer's rate cap. A protocol only decides what to put in
// (connection.hpp); the outbox decides when and how it leaves.
//
// Three lanes share the socket: frames, which a newer frame may replace while
// they wait; audio packets (audio_lane.hpp), small, in order, never replaced,
// dropped only whole and counted, and written ahead of waiting frames; and
// control messages (hello replies, heartbeats, goodbyes), small, in order and
// never dropped. Audio and control go out behind at most the frame in flight.
#pragma once

#include "media/framed_message.hpp"
#include "net/uv_handle.hpp"
#include "outbox/audio_lane.hpp"
#include "outbox/backpressure.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace camstream {

class FrameSplicer;

class Outbox {
public:
    using Clock = std::chrono::steady_clock;

    // What the outbox tells the connection that owns it.
    class Listener {
    public:
        virtual void on_input(std::span<const std::uint8_t> bytes) = 0;
        virtual void on_frame_sent(const FramedMessage& message, std::int64_t written_us) = 0;
        virtual void on_frames_dropped(DropCause cause, std::size_t frames) = 0;
        virtual void on_audio_sent(std::size_t packets, std::size_t bytes) = 0;
        virtual void on_audio_dropped(std::size_t packets) = 0;
        // The peer hung up or a read or write failed: the outbox is closing.
        virtual void on_failure(const std::string& why) = 0;
        // The socket is closed and nothing of this outbox runs again: its owner may free it now.
        virtual void on_closed() = 0;

    protected:
        ~Listener() = default;
    };

    // peer: the connection's address, as the listener accepted it.
    Outbox(std::unique_ptr<UvHandle<uv_tcp_t>> socket, std::string peer, std::size_t send_buffer_bytes,
           QueueLimits limits, FrameSplicer& splicer, Listener& listener);
    Outbox(const Outbox&) = delete;
    Outbox& operator=(const Outbox&) = delete;

    // Frame lane: queues the message (drop-oldest) unless the rate cap skips it.
    void offer(const FramedPtr& message);
    // Audio lane: queues the packet behind the others (the oldest goes when full).
    void offer_audio(const FramedPtr& packet);
    // Control lane; close_after closes the socket once the bytes are written.
    void send_control(std::vector<std::uint8_t> bytes, bool close_after);
    // A framed picture as a reply in the control lane (an HTTP snapshot): in
    // order with the other replies, never dropped, its payload not copied.
    void send_control(FramedPtr message, bool close_after);
    void stop_reading();
    void set_queue_limits(QueueLimits limits);
    void set_max_fps(std::uint16_t max_fps) { rate_cap_ = RateCap(max_fps); }
    // Notes write progress; true when nothing moved for `timeout` while there was something to send.
    bool stalled(Clock::time_point now, Clock::duration timeout);
    bool writing() const { return progress_.writing(); }
    // When the last complete message left (frame or control).
    Clock::time_point last_sent() const { return last_sent_; }
    // reset drops unsent data at once (a peer that stopped reading).
    void close(bool reset = false);
    bool closed() const { return socket_->closed(); }

    const std::string& peer() const { return peer_; }
    std::uint64_t frames_sent() const { return frames_sent_; }
    std::uint64_t frames_dropped() const { return frames_dropped_; }
    std::uint64_t audio_sent() const { return audio_sent_; }
    std::uint64_t audio_dropped() const { return audio_dropped_; }

private:
    struct ControlWrite;
    struct AudioWrite;
    void write_audio();
    void on_audio_written(std::unique_ptr<AudioWrite> write, int status);
    void write_control(std::unique_ptr<ControlWrite> write, std::span<const uv_buf_t> buffers, bool close_after);
    void on_read(ssize_t nread, const uv_buf_t* buf);
    void write_next_frame();
    void write_rest_of_frame(std::size_t already_sent);
    void on_frame_written(int status);
    void frame_sent(std::int64_t written_us);
    void fail(const std::string& why);
    void count_dropped(DropCause cause, std::size_t frames);
    std::size_t pending_write_bytes() const;

    std::unique_ptr<UvHandle<uv_tcp_t>> socket_;
    FrameSplicer& splicer_;
    Listener& listener_;
    std::string peer_;
    FrameQueue queue_;
    WriteProgress progress_;
    RateCap rate_cap_{0};
    bool failed_ = false;
    Clock::time_point last_sent_;

    // The frame being written and its request: one at a time per viewer.
    FramedPtr in_flight_;
    uv_write_t frame_write_{};
    std::int64_t in_flight_written_us_ = 0;  // when its last byte reached the kernel, if known
    std::uint64_t frames_sent_ = 0;
    std::uint64_t frames_dropped_ = 0;

    // Audio: the packets waiting, and whether a batch of them is being written.
    AudioLane audio_;
    bool audio_writing_ = false;
    // Audio's own: a listener without pictures (HTTP /audio) can stall too.
    WriteProgress audio_progress_;
    std::uint64_t audio_sent_ = 0;
    std::uint64_t audio_dropped_ = 0;
};

}  // namespace camstream
