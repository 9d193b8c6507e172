// The synchronisation rule for one frame against the audio clock.
#include "sync/av_sync.hpp"

namespace camstream::viewer {

double av_offset_ms(std::uint64_t frame_timestamp_us, std::int64_t audio_clock_us) {
    // Both sides are µs since the epoch; a hostile timestamp must not overflow.
    return -latency_ms_between(frame_timestamp_us, audio_clock_us);
}

FrameVerdict judge_frame(std::uint64_t frame_timestamp_us,
                         std::optional<std::int64_t> audio_clock_us,
                         SteadyClock::duration waited, const SyncPolicy& policy) {
    if (!audio_clock_us) return FrameVerdict::present;
    const double ahead_ms = av_offset_ms(frame_timestamp_us, *audio_clock_us);
    if (ahead_ms <= 0.0) {
        const double late_ms = -ahead_ms;
        return late_ms > static_cast<double>(policy.max_late.count()) ? FrameVerdict::drop
                                                                       : FrameVerdict::present;
    }
    return waited >= policy.max_wait ? FrameVerdict::present : FrameVerdict::wait;
}

}  // namespace camstream::viewer
