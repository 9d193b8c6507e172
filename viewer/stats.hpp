// Frame statistics shared by the window overlay and the headless report: frame
// rate, end-to-end latency and its percentiles, sequence gaps, and offsets. Every number
// here comes from the server and is treated as untrusted: no value it sends may
// overflow an accumulator or turn into billions of "lost" frames.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace camstream::viewer {

using SteadyClock = std::chrono::steady_clock;

// Milliseconds from a frame's capture (µs since the Unix epoch, the sender's
// clock) until now on our clock. Only meaningful when both clocks agree: a clock
// step on either side makes it wrong, possibly negative, and it is reported as
// measured rather than clamped, so that a clock problem stays visible.
double latency_ms_since(std::uint64_t capture_timestamp_us);
// The same from a given now (µs since the epoch on our clock). The difference
// saturates at the range of a signed 64-bit count of microseconds, so any
// timestamp a server sends gives a finite figure instead of an overflow.
double latency_ms_between(std::uint64_t capture_timestamp_us, std::int64_t now_us);

// Frames per second, counted over consecutive windows of at least one second
// (like µStreamer's fpsi), so the figure is stable and drops to 0 when frames stop.
class RateMeter {
public:
    explicit RateMeter(SteadyClock::time_point now) : window_start_(now) {}

    void count() { ++in_window_; }
    // The rate of the last complete window; closes the current one if it is due.
    double rate(SteadyClock::time_point now);
    // Closes the current window now, however long it ran, and returns its rate:
    // for callers that keep their own one-second tick.
    double close_window(SteadyClock::time_point now);

private:
    SteadyClock::time_point window_start_;
    std::uint64_t in_window_ = 0;
    double last_rate_ = 0.0;
};

// Frames missing between consecutive received sequence numbers. Two kinds of
// step are not gaps, and each starts a new baseline instead:
// - a sequence that does not move forward (backwards, or repeated) means the
//   daemon restarted and numbering began again: a reset;
// - a jump forward by more than kMaxSequenceGap frames is no plausible loss
//   (over an hour at 240 fps, the daemon's highest rate) but a server that
//   renumbered or sent garbage: a discontinuity.
class SequenceGapCounter {
public:
    static constexpr std::uint64_t kMaxSequenceGap = 1'000'000;

    void record(std::uint64_t sequence);
    std::uint64_t missing() const { return missing_; }
    std::uint64_t resets() const { return resets_; }
    std::uint64_t discontinuities() const { return discontinuities_; }

private:
    std::optional<std::uint64_t> previous_;
    std::uint64_t missing_ = 0;
    std::uint64_t resets_ = 0;
    std::uint64_t discontinuities_ = 0;
};

struct LatencyPercentiles {
    double p50 = 0;
    double p90 = 0;
    double p99 = 0;
    double max = 0;
};

// Nearest-rank percentiles; empty when there are no samples.
std::optional<LatencyPercentiles> percentiles(std::span<const double> latencies_ms);

// Signed offsets (A/V sync): the median, and the largest in either direction.
struct OffsetSummary {
    double median = 0;
    double max_abs = 0;
    std::size_t count = 0;
};
std::optional<OffsetSummary> summarize_offsets(std::span<const double> offsets_ms);

}  // namespace camstream::viewer
