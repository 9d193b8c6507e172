// StopSignal: a capture thread's "stop now". Every wait on that thread (the
// pacer's sleep, a simulated hang, the back-off between reopen attempts) goes
// through it, so asking the thread to stop wakes it at once, whatever the frame
// rate: the event loop never has to wait for a capture thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace camstream {

class StopSignal {
public:
    using Clock = std::chrono::steady_clock;

    // Any thread.
    void raise() {
        {
            std::lock_guard lock(mutex_);
            raised_ = true;
        }
        signal_.notify_all();
    }
    bool raised() const {
        std::lock_guard lock(mutex_);
        return raised_;
    }
    // Sleeps until `deadline`; true when the stop was raised first.
    bool wait_until(Clock::time_point deadline) const {
        std::unique_lock lock(mutex_);
        return signal_.wait_until(lock, deadline, [this] { return raised_; });
    }
    bool wait_for(Clock::duration timeout) const { return wait_until(Clock::now() + timeout); }
    // Sleeps until the stop is raised.
    void wait() const {
        std::unique_lock lock(mutex_);
        signal_.wait(lock, [this] { return raised_; });
    }

private:
    mutable std::mutex mutex_;
    mutable std::condition_variable signal_;
    bool raised_ = false;
};

}  // namespace camstream
