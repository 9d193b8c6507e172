// AudioPlayer: plays decoded sound through ALSA on its own thread, fed by a
// jitter buffer, and knows at every moment which captured instant is being
// heard (the audio clock that pictures are synchronised to).
#pragma once

#include "audio/audio_decoder.hpp"
#include "audio/output_pacer.hpp"
#include "audio/playout_buffer.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>

struct _snd_pcm;

namespace camstream::viewer {

struct AudioPlayerSettings {
    // An ALSA PCM name. "default" reaches PipeWire or PulseAudio on a desktop.
    std::string device = "default";
    int channels = 1;
    // The sound card's buffer: how far ahead of the speaker the player writes.
    std::chrono::milliseconds output_latency{40};
    PlayoutBufferSettings buffer;
};

// Sees every sample handed to ALSA: interleaved, and when the first of them
// reaches the output. Called on the player thread.
using PcmTap = std::function<void(std::span<const std::int16_t> samples, int channels,
                                  std::chrono::steady_clock::time_point first_heard_at)>;

struct AudioPlayerCounters {
    std::uint64_t underruns = 0;       // the output ran dry and was restarted
    std::uint64_t dropped_chunks = 0;  // sound dropped because the buffer overflowed
};

struct OpenedPlayer;

class AudioPlayer {
public:
    using Clock = std::chrono::steady_clock;

    // Opens the device and starts the player thread.
    static OpenedPlayer open(const AudioPlayerSettings& settings, PcmTap tap = {});
    AudioPlayer(const AudioPlayer&) = delete;
    AudioPlayer& operator=(const AudioPlayer&) = delete;
    ~AudioPlayer();  // stops the thread and closes the device

    int channels() const { return settings_.channels; }
    // Queues sound to play; any thread.
    void play(AudioChunk chunk);
    // The capture time (µs since the epoch, the sender's clock) of the sample
    // being heard at `now`; none while nothing plays (buffering, or the output
    // ran dry or failed).
    std::optional<std::int64_t> clock_us(Clock::time_point now);
    AudioPlayerCounters counters();
    // The device failed beyond recovery; the thread has stopped.
    bool failed() const { return failed_; }

private:
    struct PcmCloser {
        void operator()(_snd_pcm* pcm) const;
    };
    // Output frames [start, start + frames) carry sound captured from timestamp_us on.
    struct Segment {
        std::int64_t start = 0;
        std::int64_t frames = 0;
        std::uint64_t timestamp_us = 0;
    };
    struct Heard {
        Clock::time_point measured_at;
        std::int64_t timestamp_us = 0;  // what was being heard then
        Clock::time_point plays_until;  // when the written sound runs out
    };

    AudioPlayer(const AudioPlayerSettings& settings, std::unique_ptr<_snd_pcm, PcmCloser> pcm,
                std::int64_t buffer_frames, PcmTap tap);
    void run();
    // Returns false when the device failed for good.
    bool write(const AudioChunk& chunk);
    std::int64_t output_delay(std::int64_t frames_just_written, Clock::time_point now);
    std::int64_t timestamp_of(std::int64_t output_frame) const;

    const AudioPlayerSettings settings_;
    std::unique_ptr<_snd_pcm, PcmCloser> pcm_;
    const std::int64_t buffer_frames_;
    const PcmTap tap_;
    PlayoutBuffer buffer_;
    std::atomic<bool> stopping_{false};
    std::atomic<bool> failed_{false};

    // Player thread only.
    std::optional<OutputPacer> pacer_;  // for outputs that take sound at once
    bool first_write_ = true;
    std::int64_t written_frames_ = 0;
    std::deque<Segment> segments_;

    std::mutex mutex_;  // guards heard_ and underruns_
    std::optional<Heard> heard_;
    std::uint64_t underruns_ = 0;

    std::thread thread_;  // last: starts once everything above exists
};

struct OpenedPlayer {
    std::unique_ptr<AudioPlayer> player;
    std::string error;  // set when player is empty
};

}  // namespace camstream::viewer
