// PacketSchedule: paces a source that has no clock of its own (a tone, a file)
// to real time, one 20 ms packet at a time, and dates its samples as a
// microphone's would be: sample i was taken at t0 + i/48000 s, t0 being the
// wall clock when the schedule started, so audio and video share one clock.
#pragma once

#include "audio/audio_source.hpp"
#include "capture/stop_signal.hpp"
#include "media/clock.hpp"

#include <chrono>
#include <cstdint>

namespace camstream {

class PacketSchedule {
public:
    explicit PacketSchedule(const StopSignal& stop) : stop_(stop) {}

    // The next packet's first sample is taken now.
    void restart() {
        start_ = Clock::now();
        start_wall_us_ = wall_clock_us();
        packets_ = 0;
    }

    // Sleeps until the next packet's last sample has been "taken", and gives
    // the wall-clock time of its first; false when the stop was raised. After
    // a long stall it starts again from now rather than bursting to catch up,
    // as a microphone does not deliver what it never heard.
    bool wait_next(std::int64_t& first_sample_us) {
        auto due = start_ + kPacket * (packets_ + 1);
        if (Clock::now() - due > kMaxLag) {
            restart();
            due = start_ + kPacket;
        }
        if (stop_.wait_until(due)) return false;
        first_sample_us = start_wall_us_ + kPacketDurationUs * packets_;
        ++packets_;
        return true;
    }

private:
    using Clock = StopSignal::Clock;
    static constexpr std::chrono::microseconds kPacket{kPacketDurationUs};
    static constexpr std::chrono::seconds kMaxLag{1};

    const StopSignal& stop_;
    Clock::time_point start_{};
    std::int64_t start_wall_us_ = 0;
    std::int64_t packets_ = 0;
};

}  // namespace camstream
