// ALSA playback (libasound, S16_LE, 48 kHz, blocking writes) and the audio
// clock: the capture time of the sample at the output is the timestamp of the
// sound written last, less what ALSA says is still queued before the speaker.
#include "audio/audio_player.hpp"

#include "wire.hpp"

#include <alsa/asoundlib.h>

#include <cerrno>
#include <cstdio>

namespace camstream::viewer {

namespace {

using Microseconds = std::chrono::microseconds;

// How long the player thread sleeps on an empty buffer before checking for a stop.
constexpr std::chrono::milliseconds kIdleWait{50};

Microseconds frames_to_duration(std::int64_t frames) {
    return Microseconds(frames * 1'000'000 / wire::kAudioSampleRate);
}

}  // namespace

void AudioPlayer::PcmCloser::operator()(_snd_pcm* pcm) const { snd_pcm_close(pcm); }

OpenedPlayer AudioPlayer::open(const AudioPlayerSettings& settings, PcmTap tap) {
    snd_pcm_t* raw = nullptr;
    const auto failed = [&](const char* step, int error) {
        return OpenedPlayer{nullptr, "cannot " + std::string(step) + " ALSA device '" +
                                         settings.device + "': " + snd_strerror(error)};
    };
    if (const int error = snd_pcm_open(&raw, settings.device.c_str(), SND_PCM_STREAM_PLAYBACK, 0);
        error < 0) {
        return failed("open", error);
    }
    std::unique_ptr<_snd_pcm, PcmCloser> pcm(raw);
    // soft_resample = 1: a card without 48 kHz gets ALSA's resampler rather than an error.
    const auto latency_us = static_cast<unsigned>(Microseconds(settings.output_latency).count());
    if (const int error = snd_pcm_set_params(pcm.get(), SND_PCM_FORMAT_S16_LE,
                                             SND_PCM_ACCESS_RW_INTERLEAVED,
                                             static_cast<unsigned>(settings.channels),
                                             wire::kAudioSampleRate, 1, latency_us);
        error < 0) {
        return failed("set up", error);
    }
    snd_pcm_uframes_t buffer_frames = 0;
    snd_pcm_uframes_t period_frames = 0;
    if (const int error = snd_pcm_get_params(pcm.get(), &buffer_frames, &period_frames);
        error < 0) {
        return failed("query", error);
    }
    return OpenedPlayer{
        std::unique_ptr<AudioPlayer>(new AudioPlayer(settings, std::move(pcm),
                                                     static_cast<std::int64_t>(buffer_frames),
                                                     std::move(tap))),
        {}};
}

AudioPlayer::AudioPlayer(const AudioPlayerSettings& settings,
                         std::unique_ptr<_snd_pcm, PcmCloser> pcm, std::int64_t buffer_frames,
                         PcmTap tap)
    : settings_(settings),
      pcm_(std::move(pcm)),
      buffer_frames_(buffer_frames),
      tap_(std::move(tap)),
      buffer_(settings.buffer, settings.channels),
      thread_([this] { run(); }) {}

AudioPlayer::~AudioPlayer() {
    stopping_ = true;
    buffer_.close();
    thread_.join();
}

void AudioPlayer::play(AudioChunk chunk) { buffer_.push(std::move(chunk)); }

std::optional<std::int64_t> AudioPlayer::clock_us(Clock::time_point now) {
    std::lock_guard lock(mutex_);
    if (!heard_ || now >= heard_->plays_until) return std::nullopt;
    const auto since = std::chrono::duration_cast<Microseconds>(now - heard_->measured_at);
    return heard_->timestamp_us + since.count();
}

AudioPlayerCounters AudioPlayer::counters() {
    std::lock_guard lock(mutex_);
    return {underruns_, buffer_.dropped_chunks()};
}

void AudioPlayer::run() {
    while (!stopping_) {
        auto chunk = buffer_.pop(kIdleWait);
        if (!chunk) continue;
        if (!write(*chunk)) {
            failed_ = true;
            std::lock_guard lock(mutex_);
            heard_.reset();
            return;
        }
    }
}

bool AudioPlayer::write(const AudioChunk& chunk) {
    const int channels = settings_.channels;
    const auto frames = static_cast<std::int64_t>(chunk.samples.size()) / channels;
    if (pacer_) std::this_thread::sleep_until(pacer_->ready_at(frames, Clock::now()));

    bool ran_dry = false;
    std::int64_t done = 0;
    while (done < frames) {
        const auto result = snd_pcm_writei(pcm_.get(), chunk.samples.data() + done * channels,
                                           static_cast<snd_pcm_uframes_t>(frames - done));
        if (result >= 0) {
            done += result;
            continue;
        }
        ran_dry = ran_dry || result == -EPIPE;
        // Recovers from an underrun (-EPIPE) and a suspend (-ESTRPIPE); anything
        // else is a device that went away.
        if (const int error = snd_pcm_recover(pcm_.get(), static_cast<int>(result), 1); error < 0) {
            std::fprintf(stderr, "camview: audio output '%s' failed: %s\n",
                         settings_.device.c_str(), snd_strerror(error));
            return false;
        }
    }
    const auto now = Clock::now();
    if (pacer_ && pacer_->written(frames, now)) ran_dry = true;
    const std::int64_t delay = output_delay(frames, now);

    segments_.push_back({written_frames_, frames, chunk.capture_timestamp_us});
    written_frames_ += frames;
    const std::int64_t heard_frame = written_frames_ - delay;
    while (segments_.size() > 1 && segments_[1].start <= heard_frame) segments_.pop_front();
    {
        std::lock_guard lock(mutex_);
        heard_ = Heard{now, timestamp_of(heard_frame), now + frames_to_duration(delay)};
        if (ran_dry) ++underruns_;
    }
    // The cushion is gone: build it up again before relying on a steady output.
    if (ran_dry) buffer_.refill();
    if (tap_) tap_(chunk.samples, channels, now + frames_to_duration(delay - frames));
    return true;
}

std::int64_t AudioPlayer::output_delay(std::int64_t frames_just_written, Clock::time_point now) {
    if (pacer_) return pacer_->delay(now);
    snd_pcm_sframes_t delay = 0;
    if (snd_pcm_delay(pcm_.get(), &delay) < 0) delay = 0;
    if (first_write_) {
        first_write_ = false;
        // A card holds what was just written until it plays it; an output that
        // says nothing is queued took it all at once (see output_pacer.hpp).
        if (delay == 0 && frames_just_written > 0) {
            pacer_.emplace(wire::kAudioSampleRate, buffer_frames_);
            pacer_->written(frames_just_written, now);
            return pacer_->delay(now);
        }
    }
    return delay;
}

std::int64_t AudioPlayer::timestamp_of(std::int64_t output_frame) const {
    const Segment& segment = segments_.front();
    const auto offset = frames_to_duration(output_frame - segment.start).count();
    return static_cast<std::int64_t>(segment.timestamp_us) + offset;
}

}  // namespace camstream::viewer
