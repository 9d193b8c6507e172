// Pacer: releases a thread at a steady frame rate, for sources that have no clock.
#pragma once

#include <chrono>
#include <thread>

namespace camstream {

class Pacer {
public:
    explicit Pacer(double fps)
        : interval_(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / fps))) {}

    // Sleeps until the next tick. After a long stall it restarts from now rather
    // than bursting to catch up: a camera does not deliver frames it missed.
    void wait() {
        const auto now = Clock::now();
        if (next_ == Clock::time_point{} || now - next_ > interval_ * 2) next_ = now;
        std::this_thread::sleep_until(next_);
        next_ += interval_;
    }

private:
    using Clock = std::chrono::steady_clock;
    Clock::duration interval_;
    Clock::time_point next_{};
};

}  // namespace camstream
