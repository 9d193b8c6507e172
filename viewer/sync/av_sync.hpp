// FrameScheduler: holds decoded frames until the sound captured with them is
// heard, so that pictures and sound play in sync. Without an audio clock (muted,
// no audio in the stream, sound stalled) frames go out as they arrive.
#pragma once

#include "stats.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <utility>

namespace camstream::viewer {

struct SyncPolicy {
    // A frame this far behind the sound being heard is dropped: showing it
    // would only put the picture further out of step.
    std::chrono::milliseconds max_late{500};
    // A frame ahead of the sound is shown after waiting this long anyway: a
    // sender whose clocks disagree must not freeze the picture.
    std::chrono::milliseconds max_wait{500};
    // Frames waiting at most; the oldest goes first (about half a second at 30 fps).
    std::size_t max_queued = 16;
};

enum class FrameVerdict { wait, present, drop };

// What to do now with a frame captured at frame_timestamp_us that has waited
// `waited`, while the sound captured at audio_clock_us is heard (none: no sound).
FrameVerdict judge_frame(std::uint64_t frame_timestamp_us,
                         std::optional<std::int64_t> audio_clock_us,
                         SteadyClock::duration waited, const SyncPolicy& policy);

// The A/V offset shown and reported: frame capture time minus the capture time
// of the sound heard as it is presented, in ms (positive: picture ahead).
double av_offset_ms(std::uint64_t frame_timestamp_us, std::int64_t audio_clock_us);

// Thread-safe: the receive thread pushes, the presenting thread takes.
template <typename Frame>
class FrameScheduler {
public:
    struct Presented {
        Frame frame;
        std::optional<double> av_offset_ms;  // none when presented without sound
    };

    explicit FrameScheduler(SyncPolicy policy = {}) : policy_(policy) {}

    void push(Frame frame, std::uint64_t timestamp_us, SteadyClock::time_point now) {
        std::lock_guard lock(mutex_);
        if (queue_.size() >= policy_.max_queued) {
            queue_.pop_front();
            ++dropped_;
        }
        queue_.push_back({std::move(frame), timestamp_us, now});
    }

    // The next frame to present at `now`, after dropping those too late for the
    // sound; none when there is none or the next one must wait.
    std::optional<Presented> next(SteadyClock::time_point now,
                                  std::optional<std::int64_t> audio_clock_us) {
        std::lock_guard lock(mutex_);
        while (!queue_.empty()) {
            auto& waiting = queue_.front();
            switch (judge_frame(waiting.timestamp_us, audio_clock_us, now - waiting.arrived_at,
                                policy_)) {
                case FrameVerdict::wait: return std::nullopt;
                case FrameVerdict::drop:
                    queue_.pop_front();
                    ++dropped_;
                    continue;
                case FrameVerdict::present: {
                    Presented presented{std::move(waiting.frame), std::nullopt};
                    if (audio_clock_us) {
                        presented.av_offset_ms = av_offset_ms(waiting.timestamp_us, *audio_clock_us);
                    }
                    queue_.pop_front();
                    return presented;
                }
            }
        }
        return std::nullopt;
    }

    // Frames never presented: too late for the sound, or pushed out of a full queue.
    std::uint64_t dropped() {
        std::lock_guard lock(mutex_);
        return dropped_;
    }

private:
    struct Waiting {
        Frame frame;
        std::uint64_t timestamp_us = 0;
        SteadyClock::time_point arrived_at;
    };

    const SyncPolicy policy_;
    std::mutex mutex_;
    std::deque<Waiting> queue_;
    std::uint64_t dropped_ = 0;
};

}  // namespace camstream::viewer
