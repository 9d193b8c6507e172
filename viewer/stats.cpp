// Frame rate windows, sequence gap accounting, latency percentiles, offset summaries.
#include "stats.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace camstream::viewer {

double latency_ms_since(std::uint64_t capture_timestamp_us) {
    const auto now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    return latency_ms_between(capture_timestamp_us, static_cast<std::int64_t>(now_us));
}

double latency_ms_between(std::uint64_t capture_timestamp_us, std::int64_t now_us) {
    // The builtin subtracts in infinite precision and says whether the result
    // fits. It can only fail towards the negative side: the difference is at most
    // now_us, but a timestamp near 2^64 puts it far below -2^63.
    std::int64_t difference_us = 0;
    if (__builtin_sub_overflow(now_us, capture_timestamp_us, &difference_us)) {
        difference_us = std::numeric_limits<std::int64_t>::min();
    }
    return static_cast<double>(difference_us) / 1000.0;
}

double RateMeter::rate(SteadyClock::time_point now) {
    if (now - window_start_ >= std::chrono::seconds(1)) close_window(now);
    return last_rate_;
}

double RateMeter::close_window(SteadyClock::time_point now) {
    const std::chrono::duration<double> elapsed = now - window_start_;
    if (elapsed.count() > 0) last_rate_ = static_cast<double>(in_window_) / elapsed.count();
    in_window_ = 0;
    window_start_ = now;
    return last_rate_;
}

void SequenceGapCounter::record(std::uint64_t sequence) {
    if (previous_) {
        if (sequence <= *previous_) {
            ++resets_;
        } else {
            // sequence > previous, so this cannot wrap.
            const std::uint64_t gap = sequence - *previous_ - 1;
            if (gap > kMaxSequenceGap) {
                ++discontinuities_;
            } else {
                // Each gap is bounded, but their sum is not: saturate rather than wrap.
                missing_ = gap > std::numeric_limits<std::uint64_t>::max() - missing_
                               ? std::numeric_limits<std::uint64_t>::max()
                               : missing_ + gap;
            }
        }
    }
    previous_ = sequence;
}

std::optional<LatencyPercentiles> percentiles(std::span<const double> latencies_ms) {
    if (latencies_ms.empty()) return std::nullopt;
    std::vector<double> sorted(latencies_ms.begin(), latencies_ms.end());
    std::sort(sorted.begin(), sorted.end());
    const auto rank = [&sorted](double fraction) {
        const auto index =
            static_cast<std::size_t>(std::ceil(fraction * static_cast<double>(sorted.size())));
        return sorted[std::clamp<std::size_t>(index, 1, sorted.size()) - 1];
    };
    return LatencyPercentiles{rank(0.50), rank(0.90), rank(0.99), sorted.back()};
}

std::optional<OffsetSummary> summarize_offsets(std::span<const double> offsets_ms) {
    const auto middle = percentiles(offsets_ms);
    if (!middle) return std::nullopt;
    double max_abs = 0;
    for (const double offset : offsets_ms) max_abs = std::max(max_abs, std::abs(offset));
    return OffsetSummary{middle->p50, max_abs, offsets_ms.size()};
}

}  // namespace camstream::viewer
