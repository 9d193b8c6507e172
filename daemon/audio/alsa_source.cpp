// AlsaSource: see alsa_source.hpp.
#include "audio/alsa_source.hpp"

#include "media/clock.hpp"

#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>

#include <array>
#include <chrono>
#include <cstdarg>
#include <cstdio>

namespace camstream {
namespace {

// Four periods of 20 ms: room for the thread to be late by three packets
// before the device overruns.
constexpr unsigned kBufferLatencyUs = 4 * static_cast<unsigned>(kPacketDurationUs);
constexpr snd_pcm_uframes_t kPacketFrames = kFramesPerPacket;
constexpr int kWaitSliceMs = 100;
// A capture device delivers every 20 ms; one silent this long is gone.
constexpr auto kSilenceLimit = std::chrono::seconds(2);

}  // namespace

namespace {

// alsa-lib prints its own complaints to stderr (a journal line that no level
// filters); the daemon logs what failed itself, so alsa-lib's go to debug.
void log_alsa_library(const char* file, int line, const char* function, int error, const char* format, ...) {
    std::array<char, 512> text{};
    va_list arguments;
    va_start(arguments, format);
    std::vsnprintf(text.data(), text.size(), format, arguments);
    va_end(arguments);
    spdlog::debug("alsa-lib {}:{} ({}): {}{}", file, line, function, text.data(),
                  error != 0 ? std::string(": ") + snd_strerror(error) : std::string());
}

}  // namespace

AlsaSource::AlsaSource(std::string device, int channels, const StopSignal& stop)
    : device_(std::move(device)), channels_(channels), stop_(stop) {
    snd_lib_error_set_handler(log_alsa_library);
}

bool AlsaSource::open(std::string& error) {
    pcm_.reset();
    snd_pcm_t* pcm = nullptr;
    int rc = snd_pcm_open(&pcm, device_.c_str(), SND_PCM_STREAM_CAPTURE, SND_PCM_NONBLOCK);
    if (rc < 0) {
        error = fmt::format("cannot open ALSA capture device '{}': {}", device_, snd_strerror(rc));
        return false;
    }
    pcm_.reset(pcm);
    anchor_us_ = wall_clock_us();
    frames_read_ = 0;
    // snd_pcm_set_params makes the period a quarter of the buffer: 960 frames, one packet.
    rc = snd_pcm_set_params(pcm, SND_PCM_FORMAT_S16_LE, SND_PCM_ACCESS_RW_INTERLEAVED,
                            static_cast<unsigned>(channels_), kAudioSampleRate, 1, kBufferLatencyUs);
    if (rc < 0) {
        pcm_.reset();
        error = fmt::format("ALSA device '{}' cannot capture {} channel(s) of S16_LE at {} Hz: {} "
                            "(a plughw: device converts rate and channels)",
                            device_, channels_, kAudioSampleRate, snd_strerror(rc));
        return false;
    }
    return true;
}

bool AlsaSource::fail(const char* what, long code) {
    error_ = fmt::format("ALSA device '{}': {}: {}", device_, what, snd_strerror(static_cast<int>(code)));
    return false;
}

bool AlsaSource::read(std::span<std::int16_t> interleaved, std::int64_t& first_sample_us) {
    const auto channels = static_cast<std::size_t>(channels_);
    snd_pcm_uframes_t filled = 0;
    bool waited = false;
    auto last_data = StopSignal::Clock::now();
    while (filled < kPacketFrames) {
        if (stop_.raised()) return false;
        const auto got = snd_pcm_readi(pcm_.get(), interleaved.data() + filled * channels, kPacketFrames - filled);
        if (got > 0) {
            filled += static_cast<snd_pcm_uframes_t>(got);
            last_data = StopSignal::Clock::now();
            continue;
        }
        if (got == -EPIPE) {
            // The packet begun has a hole now: start a fresh one.
            ++overruns_;
            filled = 0;
            spdlog::warn("audio source {}: overrun, samples lost ({} so far)", describe(), overruns_);
            const int rc = snd_pcm_recover(pcm_.get(), static_cast<int>(got), 1);
            if (rc < 0) return fail("cannot recover from an overrun", rc);
            continue;
        }
        if (got != -EAGAIN && got != 0) return fail("read failed", got);
        if (StopSignal::Clock::now() - last_data > kSilenceLimit) {
            error_ = fmt::format("ALSA device '{}' delivered nothing for {} s", device_, kSilenceLimit.count());
            return false;
        }
        waited = true;
        const int rc = snd_pcm_wait(pcm_.get(), kWaitSliceMs);
        if (rc < 0 && rc != -EPIPE) return fail("wait failed", rc);
    }
    const auto frames_us = [](std::uint64_t frames) {
        return static_cast<std::int64_t>(frames) * 1'000'000 / kAudioSampleRate;
    };
    // When this packet's last sample could have been captured at the earliest.
    const auto due_us = anchor_us_ + frames_us(frames_read_ + kPacketFrames);
    frames_read_ += kPacketFrames;
    const auto now_us = wall_clock_us();
    if (!waited && now_us < due_us - static_cast<std::int64_t>(kBufferLatencyUs)) {
        // More than a buffer ahead of the wall clock: no microphone does that.
        if (stop_.wait_until(StopSignal::Clock::now() + std::chrono::microseconds(due_us - now_us))) return false;
        first_sample_us = due_us - kPacketDurationUs;
        return true;
    }
    // The packet's last frame was taken avail frames ago, its first 960 before that.
    const auto avail = snd_pcm_avail(pcm_.get());
    const auto behind = (avail > 0 ? static_cast<std::int64_t>(avail) : 0) + kFramesPerPacket;
    first_sample_us = now_us - behind * 1'000'000 / kAudioSampleRate;
    // The device made us wait: it is at its own real-time edge, which the schedule follows.
    if (waited) anchor_us_ = first_sample_us + kPacketDurationUs - frames_us(frames_read_);
    return true;
}

}  // namespace camstream
