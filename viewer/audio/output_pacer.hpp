// OutputPacer: a stand-in for a sound card's clock, for ALSA outputs that take
// any amount of sound at once. alsa-lib 1.2.8's `null` plugin (pcm_null.c)
// moves its hardware pointer along with the application pointer inside writei,
// reports the whole buffer free and a delay of 0, never blocks and never
// underruns; the `file` plugin passes its slave's timing through, so `file` over
// `null` writes a WAV as fast as it is fed (5 s of sound took 1 ms here). Played
// into such an output, sound would run ahead of the pictures, so the player
// paces its writes by this model instead: a buffer of the same size, drained at
// the sample rate by the wall clock.
#pragma once

#include <chrono>
#include <cstdint>

namespace camstream::viewer {

class OutputPacer {
public:
    using Clock = std::chrono::steady_clock;

    OutputPacer(int sample_rate, std::int64_t buffer_frames);

    // Frames written and not yet played at `now`: what snd_pcm_delay says of a card.
    std::int64_t delay(Clock::time_point now) const;
    // The earliest time `frames` more fit in the buffer.
    Clock::time_point ready_at(std::int64_t frames, Clock::time_point now) const;
    // Records a write; true when the buffer had run dry before it (an underrun),
    // after which playing starts over from `now`.
    bool written(std::int64_t frames, Clock::time_point now);

private:
    std::int64_t played(Clock::time_point now) const;

    const int sample_rate_;
    const std::int64_t buffer_frames_;
    Clock::time_point first_frame_at_{};  // when frame 0 of written_ plays
    std::int64_t written_ = 0;
    bool started_ = false;
};

}  // namespace camstream::viewer
