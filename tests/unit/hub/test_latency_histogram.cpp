// LatencyHistogram: percentiles within its stated resolution, and the
// difference of two snapshots as the histogram of the time between them.
#include "hub/latency_histogram.hpp"

#include <doctest/doctest.h>

using namespace camstream;

TEST_CASE("latency histogram: percentiles are within 3 % of the exact ones") {
    LatencyHistogram histogram;
    // 1..10000 µs, once each: the exact p50 is 5000, p99 is 9900.
    for (std::int64_t us = 1; us <= 10'000; ++us) histogram.add(us);
    CHECK(histogram.count() == 10'000);
    CHECK(histogram.percentile(0.5) == doctest::Approx(5000).epsilon(0.03));
    CHECK(histogram.percentile(0.99) == doctest::Approx(9900).epsilon(0.03));
    CHECK(histogram.percentile(1.0) == doctest::Approx(10'000).epsilon(0.03));
}

TEST_CASE("latency histogram: an empty histogram reports 0, negative samples count as the smallest") {
    LatencyHistogram histogram;
    CHECK(histogram.percentile(0.99) == 0);
    histogram.add(-50);
    CHECK(histogram.count() == 1);
    CHECK(histogram.percentile(0.5) == doctest::Approx(1));
}

TEST_CASE("latency histogram: since() holds only the samples added after the snapshot") {
    LatencyHistogram histogram;
    for (int i = 0; i < 1000; ++i) histogram.add(100);
    const auto snapshot = histogram;
    for (int i = 0; i < 10; ++i) histogram.add(50'000);
    const auto recent = histogram.since(snapshot);
    CHECK(recent.count() == 10);
    CHECK(recent.sum_us() == 500'000);
    CHECK(recent.percentile(0.5) == doctest::Approx(50'000).epsilon(0.03));
}

TEST_CASE("latency histogram: bucket_index() is the bucket add() counts a sample in, within its bounds") {
    CHECK(LatencyHistogram::bucket_index(-5) == 0);
    CHECK(LatencyHistogram::bucket_index(1) == 0);
    CHECK(LatencyHistogram::bucket_index(100) == 80);  // 10^(80/40): an edge is in the bucket below it
    CHECK(LatencyHistogram::bucket_index(101) == 81);
    CHECK(LatencyHistogram::bucket_index(1'000'000'000) == LatencyHistogram::kBuckets - 1);
    // Every whole µs up to 0.2 s lies within the bounds of the bucket it is counted in.
    std::int64_t outside = 0;
    for (std::int64_t us = 2; us <= 200'000; ++us) {
        const auto i = LatencyHistogram::bucket_index(us);
        const auto value = static_cast<double>(us);
        if (!(LatencyHistogram::upper_bound_us(i - 1) < value && value <= LatencyHistogram::upper_bound_us(i))) ++outside;
    }
    CHECK(outside == 0);
    LatencyHistogram histogram;
    histogram.add(178);
    CHECK(histogram.bucket(LatencyHistogram::bucket_index(178)) == 1);
}
