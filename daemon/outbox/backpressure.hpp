// One viewer's backpressure policy, kept free of sockets so it is unit-tested
// alone: the bounded drop-oldest frame queue, write-progress (stall) tracking,
// and the viewer's own frame-rate cap. The outbox (outbox.hpp) applies it.
#pragma once

#include "media/framed_message.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string_view>

namespace camstream {

// Why a viewer lost a frame before it was sent: one counter each.
enum class DropCause : std::uint8_t {
    queue_full,      // a newer frame replaced it in the viewer's queue
    limits_lowered,  // a reload shrank the viewers' queues
};
inline constexpr std::size_t kDropCauses = 2;
std::string_view to_string(DropCause cause);

struct QueueLimits {
    std::size_t max_frames = 2;
    std::size_t max_bytes = 8u << 20;
};

// Frames waiting for one viewer that have not started sending. When a new frame
// does not fit, the oldest waiting frames are dropped: the viewer always gets the
// freshest picture. The newest frame is always kept, even alone over max_bytes,
// so an oversized frame is still delivered rather than starving the viewer.
class FrameQueue {
public:
    explicit FrameQueue(QueueLimits limits) : limits_(limits) {}

    // Returns how many older frames were dropped to make room.
    std::size_t push(FramedPtr frame);
    // The next frame to send, oldest first; null when empty.
    FramedPtr pop();
    // Applies new limits (live reload), dropping the oldest frames that no longer fit.
    std::size_t set_limits(QueueLimits limits);

    std::size_t size() const { return frames_.size(); }
    std::size_t bytes() const { return bytes_; }
    bool empty() const { return frames_.empty(); }

private:
    std::size_t trim();

    QueueLimits limits_;
    std::deque<FramedPtr> frames_;
    std::size_t bytes_ = 0;
};

// Tracks whether a viewer's writes move. Progress is a completed write, or the
// bytes libuv still holds for the socket going down (a large frame draining
// slowly is progress too); a viewer with nothing to send is never stalled.
class WriteProgress {
public:
    using Clock = std::chrono::steady_clock;

    void write_started(Clock::time_point now, std::size_t pending_bytes);
    void write_finished(Clock::time_point now);
    void observe(Clock::time_point now, std::size_t pending_bytes);
    bool stalled(Clock::time_point now, Clock::duration timeout) const;
    bool writing() const { return writing_; }

private:
    bool writing_ = false;
    std::size_t pending_bytes_ = 0;
    Clock::time_point last_progress_{};
};

// The frame-rate cap a viewer asked for in its hello; admits frames by capture time.
class RateCap {
public:
    explicit RateCap(std::uint16_t max_fps) : max_fps_(max_fps) {}
    bool admit(std::int64_t captured_us);

private:
    std::uint16_t max_fps_;
    std::int64_t last_admitted_us_ = 0;
};

}  // namespace camstream
