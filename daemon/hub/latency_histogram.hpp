// LatencyHistogram: how long one stage of the data path took, as counts in
// fixed log-spaced buckets (1 µs to 100 s, 40 per decade, so any percentile is
// known within 3 %). Memory is fixed however busy the daemon is, adding a sample
// is a few instructions, and the difference of two snapshots is the histogram of
// the time between them: the stats line uses that, /metrics the running totals.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace camstream {

class LatencyHistogram {
public:
    static constexpr int kBucketsPerDecade = 40;
    static constexpr int kDecades = 8;  // 1 µs .. 100 s
    static constexpr std::size_t kBuckets = kBucketsPerDecade * kDecades + 1;  // + everything slower

    void add(std::int64_t microseconds);
    // The samples added since `earlier`, a copy of this histogram taken then.
    LatencyHistogram since(const LatencyHistogram& earlier) const;
    // p in [0, 1]: the latency (µs) below which that share of samples fell; 0 when there are none.
    double percentile(double p) const;

    std::uint64_t count() const { return count_; }
    std::int64_t sum_us() const { return sum_us_; }
    // Bucket i counts samples in (upper_bound_us(i - 1), upper_bound_us(i)].
    std::uint64_t bucket(std::size_t i) const { return buckets_[i]; }
    static double upper_bound_us(std::size_t i);
    // The bucket add() counts a sample of this many µs in: what /metrics uses to
    // turn a bucket edge into the largest whole-µs latency it holds.
    static std::size_t bucket_index(std::int64_t microseconds);

private:
    std::array<std::uint64_t, kBuckets> buckets_{};
    std::uint64_t count_ = 0;
    std::int64_t sum_us_ = 0;
};

}  // namespace camstream
