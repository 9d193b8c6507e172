// The paced-output model: frames play at the sample rate from the first write on.
#include "audio/output_pacer.hpp"

#include <algorithm>

namespace camstream::viewer {

namespace {

using Microseconds = std::chrono::microseconds;

}  // namespace

OutputPacer::OutputPacer(int sample_rate, std::int64_t buffer_frames)
    : sample_rate_(sample_rate), buffer_frames_(buffer_frames) {}

std::int64_t OutputPacer::played(Clock::time_point now) const {
    if (!started_ || now <= first_frame_at_) return 0;
    const auto elapsed_us = std::chrono::duration_cast<Microseconds>(now - first_frame_at_).count();
    return std::min(written_, elapsed_us * sample_rate_ / 1'000'000);
}

std::int64_t OutputPacer::delay(Clock::time_point now) const { return written_ - played(now); }

OutputPacer::Clock::time_point OutputPacer::ready_at(std::int64_t frames,
                                                     Clock::time_point now) const {
    const std::int64_t must_have_played = written_ + frames - buffer_frames_;
    if (!started_ || must_have_played <= played(now)) return now;
    return first_frame_at_ + Microseconds(must_have_played * 1'000'000 / sample_rate_);
}

bool OutputPacer::written(std::int64_t frames, Clock::time_point now) {
    const bool ran_dry = started_ && played(now) == written_;
    if (!started_ || ran_dry) {
        // Whatever was written before has played; the new frames start now.
        first_frame_at_ = now - Microseconds(written_ * 1'000'000 / sample_rate_);
        started_ = true;
    }
    written_ += frames;
    return ran_dry;
}

}  // namespace camstream::viewer
