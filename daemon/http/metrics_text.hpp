// The Prometheus text exposition (format 0.0.4) of Health: the body of GET
// /metrics. Pure, socket-free: the HTTP server passes the clock in. docs/METRICS.md
// lists every family it writes.
#pragma once

#include "hub/health.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace camstream {

// The Content-Type the scrape is answered with.
inline constexpr std::string_view kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

// Every camstream_ family, samples of one family together, each with HELP and
// TYPE. now_us and started_us are wall clock µs since the Unix epoch.
std::string prometheus_metrics(const Health& health, std::int64_t now_us, std::int64_t started_us);

// One `le` bound of camstream_stage_latency_seconds: a LatencyHistogram bucket
// edge near 1, 2 or 5 × 10^n µs (100 µs .. 10 s), and the largest whole-µs
// latency that bucket and those below it hold, so cumulative counts are exact.
struct LatencyBound {
    std::size_t bucket;       // LatencyHistogram bucket index, inclusive
    std::int64_t largest_us;  // the `le` value, in µs
};
std::span<const LatencyBound> latency_bounds();

}  // namespace camstream
