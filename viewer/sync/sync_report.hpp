// SyncReport (headless --sync-report): measures how far apart a test source's
// flash and beep reach the viewer's user. camstreamd's test pattern flashes and
// its tone source beeps for the first 100 ms after each whole second of capture
// time; this finds both where they are presented (the frame on screen, the
// sound at the output) and reports the offsets between them.
#pragma once

#include "stats.hpp"

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

namespace camstream::viewer {

// Finds the start of each beep in the sound handed to the output: the RMS of a
// 5 ms block jumps above kBeepFactor times the quiet level between beeps, and
// falls back within kMaxBeepBlocks. A rise that lasts longer is no beep but a
// new quiet level (the tone starting after the decoder's first silence).
class BeepDetector {
public:
    static constexpr int kBlockFrames = 240;  // 5 ms at 48 kHz
    static constexpr double kBeepFactor = 4.0;  // 12 dB above the quiet level
    static constexpr double kMinBeepRms = 328.0;  // about -40 dBFS: never a beep below it
    static constexpr int kMaxBeepBlocks = 40;     // 200 ms: the test source's beep is 100 ms

    // samples: interleaved; first_heard_at: when samples[0] reaches the output.
    // Returns when each beep found in them starts to be heard.
    std::vector<SteadyClock::time_point> feed(std::span<const std::int16_t> samples, int channels,
                                              SteadyClock::time_point first_heard_at);

private:
    std::vector<double> block_;  // mono samples of the block being gathered
    SteadyClock::time_point block_heard_at_{};
    std::optional<double> quiet_rms_;
    bool in_beep_ = false;
    SteadyClock::time_point onset_{};  // of the rise being watched
    int beep_blocks_ = 0;
};

// Finds the first frame of each flash: the mean brightness jumps by kFlashJump.
class FlashDetector {
public:
    static constexpr double kFlashJump = 40.0;  // of 255

    // True when this presented frame starts a flash.
    bool presented(double mean_brightness);

private:
    std::optional<double> previous_;
};

struct SyncMeasurement {
    std::uint64_t flashes = 0;
    std::uint64_t beeps = 0;
    // Flash presented minus beep heard, less how late in its second the first
    // flashing frame was captured (a frame every 33 ms cannot show a flash that
    // began between two frames any sooner): the sync error alone.
    std::optional<OffsetSummary> offset_ms;
    std::optional<double> uncorrected_median_ms;  // the same without that correction
};

// Thread-safe: frames come from the presenting thread, sound from the player's.
class SyncReport {
public:
    // Pairs a flash with a beep no further apart than this.
    static constexpr std::chrono::milliseconds kMaxPairing{500};

    void frame_presented(std::uint64_t capture_timestamp_us, double mean_brightness,
                         SteadyClock::time_point presented_at);
    void sound_written(std::span<const std::int16_t> samples, int channels,
                       SteadyClock::time_point first_heard_at);
    SyncMeasurement measurement();

private:
    struct Flash {
        SteadyClock::time_point presented_at;
        std::uint64_t capture_timestamp_us = 0;
    };

    std::mutex mutex_;
    FlashDetector flash_detector_;
    BeepDetector beep_detector_;
    std::vector<Flash> flashes_;
    std::vector<SteadyClock::time_point> beeps_;
};

}  // namespace camstream::viewer
