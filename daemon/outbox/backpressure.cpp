// One viewer's backpressure policy: see backpressure.hpp.
#include "outbox/backpressure.hpp"

namespace camstream {

std::string_view to_string(DropCause cause) {
    switch (cause) {
        case DropCause::queue_full: return "queue_full";
        case DropCause::limits_lowered: return "limits_lowered";
    }
    return "unknown";
}

std::size_t FrameQueue::push(FramedPtr frame) {
    bytes_ += frame->size();
    frames_.push_back(std::move(frame));
    return trim();
}

FramedPtr FrameQueue::pop() {
    if (frames_.empty()) return nullptr;
    FramedPtr next = std::move(frames_.front());
    frames_.pop_front();
    bytes_ -= next->size();
    return next;
}

std::size_t FrameQueue::set_limits(QueueLimits limits) {
    limits_ = limits;
    return trim();
}

std::size_t FrameQueue::trim() {
    std::size_t dropped = 0;
    while (frames_.size() > 1 &&
           (frames_.size() > limits_.max_frames || bytes_ > limits_.max_bytes)) {
        bytes_ -= frames_.front()->size();
        frames_.pop_front();
        ++dropped;
    }
    return dropped;
}

void WriteProgress::write_started(Clock::time_point now, std::size_t pending_bytes) {
    if (!writing_) last_progress_ = now;
    writing_ = true;
    pending_bytes_ = pending_bytes;
}

void WriteProgress::write_finished(Clock::time_point now) {
    writing_ = false;
    pending_bytes_ = 0;
    last_progress_ = now;
}

void WriteProgress::observe(Clock::time_point now, std::size_t pending_bytes) {
    if (writing_ && pending_bytes < pending_bytes_) last_progress_ = now;
    pending_bytes_ = pending_bytes;
}

bool WriteProgress::stalled(Clock::time_point now, Clock::duration timeout) const {
    return writing_ && now - last_progress_ >= timeout;
}

bool RateCap::admit(std::int64_t captured_us) {
    // The same frame again (a protocol showing the last one twice) is no new frame to the cap.
    if (max_fps_ == 0 || captured_us == last_admitted_us_) return true;
    // 10% slack so capture jitter does not turn a 10 fps cap into 5 fps.
    const std::int64_t interval_us = 900'000 / max_fps_;
    if (last_admitted_us_ != 0 && captured_us - last_admitted_us_ < interval_us) return false;
    last_admitted_us_ = captured_us;
    return true;
}

}  // namespace camstream
