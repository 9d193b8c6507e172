// StatsLog: the periodic one-line summary in the log (viewers, rates, drops,
// per-stage latency), read from the health model: rates and percentiles are
// over the interval since the previous line.
#pragma once

#include "config/config.hpp"
#include "hub/health.hpp"
#include "net/uv_handle.hpp"

#include <string>

namespace camstream {

class StatsLog {
public:
    StatsLog(uv_loop_t* loop, const Health& health, Duration interval);

    void set_interval(Duration interval);
    void close() { timer_.close(); }

private:
    void report();
    std::string viewers_by_protocol() const;  // "tcp:2,http:1"
    // " audio=live listeners=N ...", or nothing without audio.
    std::string audio_text(double seconds) const;

    const Health& health_;
    Duration interval_;
    UvHandle<uv_timer_t> timer_;
    // What the previous line reported, to report differences.
    std::uint64_t frames_captured_ = 0;
    std::uint64_t frames_encoded_ = 0;
    std::uint64_t frames_sent_ = 0;
    std::uint64_t frames_dropped_ = 0;
    std::uint64_t stalls_ = 0;
    std::uint64_t rejections_ = 0;
    std::uint64_t audio_sent_ = 0;
    std::uint64_t audio_dropped_ = 0;
    StageLatencies latencies_;
};

}  // namespace camstream
