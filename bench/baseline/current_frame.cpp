// CurrentFrame: see current_frame.hpp.
#include "current_frame.hpp"

namespace camstream::bench {

void CurrentFrame::publish(std::vector<std::uint8_t> message, std::uint64_t sequence) {
    {
        std::lock_guard lock(mutex_);
        message_.swap(message);  // the old frame is freed outside the lock
        sequence_ = sequence;
    }
    updated_.notify_all();
}

std::uint64_t CurrentFrame::copy_next(std::uint64_t after, std::vector<std::uint8_t>& out) {
    std::unique_lock lock(mutex_);
    updated_.wait(lock, [&] { return stopping_ || sequence_ > after; });
    if (stopping_) return 0;
    out.assign(message_.begin(), message_.end());  // the per-client copy
    return sequence_;
}

void CurrentFrame::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    updated_.notify_all();
}

}  // namespace camstream::bench
