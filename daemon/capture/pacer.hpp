// Pacer: releases a thread at a steady frame rate, for sources that have no clock.
#pragma once

#include "capture/stop_signal.hpp"

#include <chrono>

namespace camstream {

class Pacer {
public:
    Pacer(double fps, const StopSignal& stop)
        : interval_(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / fps))),
          stop_(stop) {}

    // Sleeps until the next tick; false when the capture thread was asked to
    // stop meanwhile. After a long stall it restarts from now rather than
    // bursting to catch up: a camera does not deliver frames it missed.
    bool wait() {
        const auto now = Clock::now();
        if (next_ == Clock::time_point{} || now - next_ > interval_ * 2) next_ = now;
        if (stop_.wait_until(next_)) return false;
        next_ += interval_;
        return true;
    }

private:
    using Clock = StopSignal::Clock;
    Clock::duration interval_;
    const StopSignal& stop_;
    Clock::time_point next_{};
};

}  // namespace camstream
