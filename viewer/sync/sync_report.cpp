// Beep and flash onsets, and the pairing of each flash with its beep.
#include "sync/sync_report.hpp"

#include "wire.hpp"

#include <algorithm>
#include <cmath>

namespace camstream::viewer {

namespace {

using Microseconds = std::chrono::microseconds;

double milliseconds(SteadyClock::duration duration) {
    return std::chrono::duration<double, std::milli>(duration).count();
}

}  // namespace

std::vector<SteadyClock::time_point> BeepDetector::feed(std::span<const std::int16_t> samples,
                                                        int channels,
                                                        SteadyClock::time_point first_heard_at) {
    std::vector<SteadyClock::time_point> onsets;
    const auto frames = samples.size() / static_cast<std::size_t>(channels);
    for (std::size_t frame = 0; frame < frames; ++frame) {
        if (block_.empty()) {
            block_heard_at_ = first_heard_at + Microseconds(static_cast<std::int64_t>(frame) *
                                                            1'000'000 / wire::kAudioSampleRate);
        }
        double mono = 0;
        for (int channel = 0; channel < channels; ++channel) {
            mono += samples[frame * static_cast<std::size_t>(channels) +
                            static_cast<std::size_t>(channel)];
        }
        block_.push_back(mono / channels);
        if (block_.size() < kBlockFrames) continue;

        double energy = 0;
        for (const double sample : block_) energy += sample * sample;
        const double rms = std::sqrt(energy / kBlockFrames);
        block_.clear();
        if (!quiet_rms_) quiet_rms_ = rms;
        const double threshold = std::max(kMinBeepRms, kBeepFactor * *quiet_rms_);
        if (!in_beep_ && rms > threshold) {
            in_beep_ = true;
            onset_ = block_heard_at_;
            beep_blocks_ = 0;
        } else if (in_beep_ && rms < threshold / 2) {
            in_beep_ = false;
            onsets.push_back(onset_);
        } else if (in_beep_ && ++beep_blocks_ > kMaxBeepBlocks) {
            in_beep_ = false;
            quiet_rms_ = rms;
        }
        // The quiet level follows the sound between beeps; it falls at once so
        // that a run starting inside a beep finds the next one.
        if (!in_beep_) *quiet_rms_ = rms < *quiet_rms_ ? rms : *quiet_rms_ + 0.05 * (rms - *quiet_rms_);
    }
    return onsets;
}

bool FlashDetector::presented(double mean_brightness) {
    const bool jump = previous_ && mean_brightness - *previous_ > kFlashJump;
    previous_ = mean_brightness;
    return jump;
}

void SyncReport::frame_presented(std::uint64_t capture_timestamp_us, double mean_brightness,
                                 SteadyClock::time_point presented_at) {
    std::lock_guard lock(mutex_);
    if (flash_detector_.presented(mean_brightness)) {
        flashes_.push_back({presented_at, capture_timestamp_us});
    }
}

void SyncReport::sound_written(std::span<const std::int16_t> samples, int channels,
                               SteadyClock::time_point first_heard_at) {
    std::lock_guard lock(mutex_);
    for (const auto onset : beep_detector_.feed(samples, channels, first_heard_at)) {
        beeps_.push_back(onset);
    }
}

SyncMeasurement SyncReport::measurement() {
    std::lock_guard lock(mutex_);
    std::vector<double> offsets;
    std::vector<double> uncorrected;
    for (const auto& flash : flashes_) {
        std::optional<double> nearest;
        for (const auto beep : beeps_) {
            const double apart = milliseconds(flash.presented_at - beep);
            if (!nearest || std::abs(apart) < std::abs(*nearest)) nearest = apart;
        }
        if (!nearest || std::abs(*nearest) > milliseconds(kMaxPairing)) continue;
        const double frame_lateness_ms =
            static_cast<double>(flash.capture_timestamp_us % 1'000'000) / 1000.0;
        uncorrected.push_back(*nearest);
        offsets.push_back(*nearest - frame_lateness_ms);
    }
    SyncMeasurement result{flashes_.size(), beeps_.size(), summarize_offsets(offsets), {}};
    if (const auto middle = summarize_offsets(uncorrected)) result.uncorrected_median_ms = middle->median;
    return result;
}

}  // namespace camstream::viewer
