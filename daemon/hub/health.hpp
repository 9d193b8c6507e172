// Counters and latency samples the daemon reports in its periodic summary.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace camstream {

// The last N latency samples in a fixed ring: bounded memory however busy.
class LatencySamples {
public:
    explicit LatencySamples(std::size_t capacity = 8192) : capacity_(capacity) { samples_.reserve(capacity); }

    void add(std::int64_t microseconds) {
        if (samples_.size() < capacity_) {
            samples_.push_back(microseconds);
        } else {
            samples_[next_] = microseconds;
            next_ = (next_ + 1) % capacity_;
        }
    }
    // p in [0, 1]; 0 when there are no samples.
    std::int64_t percentile(double p) const {
        if (samples_.empty()) return 0;
        std::vector<std::int64_t> sorted = samples_;
        const auto rank = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1));
        std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(rank), sorted.end());
        return sorted[rank];
    }
    void clear() {
        samples_.clear();
        next_ = 0;
    }

private:
    std::size_t capacity_;
    std::size_t next_ = 0;
    std::vector<std::int64_t> samples_;
};

struct HubCounters {
    std::uint64_t frames_published = 0;  // frames the loop received from the capture thread
    std::uint64_t frames_sent = 0;       // frames written completely, summed over viewers
    std::uint64_t frames_dropped = 0;    // frames dropped from viewers' queues
    std::uint64_t bytes_sent = 0;
    std::uint64_t connections = 0;
    std::uint64_t rejections = 0;
    std::uint64_t stalls = 0;
};

}  // namespace camstream
