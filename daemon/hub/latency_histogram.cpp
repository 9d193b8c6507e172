// LatencyHistogram: see latency_histogram.hpp.
#include "hub/latency_histogram.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace camstream {

double LatencyHistogram::upper_bound_us(std::size_t i) {
    if (i + 1 >= kBuckets) return std::numeric_limits<double>::infinity();
    return std::pow(10.0, static_cast<double>(i) / kBucketsPerDecade);
}

std::size_t LatencyHistogram::bucket_index(std::int64_t microseconds) {
    // Clocks may step; a negative latency is counted as the smallest.
    const auto value = static_cast<double>(std::max<std::int64_t>(microseconds, 1));
    return static_cast<std::size_t>(
        std::clamp(std::ceil(std::log10(value) * kBucketsPerDecade - 1e-9), 0.0, static_cast<double>(kBuckets - 1)));
}

void LatencyHistogram::add(std::int64_t microseconds) {
    ++buckets_[bucket_index(microseconds)];
    ++count_;
    sum_us_ += std::max<std::int64_t>(microseconds, 0);
}

LatencyHistogram LatencyHistogram::since(const LatencyHistogram& earlier) const {
    LatencyHistogram difference;
    for (std::size_t i = 0; i < kBuckets; ++i) difference.buckets_[i] = buckets_[i] - earlier.buckets_[i];
    difference.count_ = count_ - earlier.count_;
    difference.sum_us_ = sum_us_ - earlier.sum_us_;
    return difference;
}

double LatencyHistogram::percentile(double p) const {
    if (count_ == 0) return 0;
    // The rank of the wanted sample, 1-based, as a nearest-rank percentile.
    const auto rank = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::ceil(p * static_cast<double>(count_))));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < kBuckets; ++i) {
        seen += buckets_[i];
        if (seen < rank) continue;
        if (i == 0) return 1;
        if (i + 1 == kBuckets) return upper_bound_us(i - 1);
        // The bucket's geometric middle: within half a bucket (1.5 %) of the truth.
        return std::sqrt(upper_bound_us(i - 1) * upper_bound_us(i));
    }
    return upper_bound_us(kBuckets - 2);
}

}  // namespace camstream
