// AudioSession: the viewer's audio, shared by window and headless mode. It
// takes the stream's audio packets from the receive thread (decoding them and
// feeding the player) and answers the other threads' questions: is sound
// playing, what is being heard now, how did the stream fare.
#pragma once

#include "audio/audio_decoder.hpp"
#include "audio/audio_player.hpp"
#include "stats.hpp"
#include "wire.hpp"

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace camstream::viewer {

struct AudioSettings {
    bool muted = false;  // --mute: do not ask for audio, play none
    std::string device = "default";
};

enum class AudioStatus {
    muted,          // the user asked for none
    none,           // the stream has no audio (or has not said yet)
    output_failed,  // the ALSA device could not be opened or broke
    buffering,      // waiting for enough sound, or the sound stopped coming
    playing,
};
// "muted", "none", "output_failed", "buffering", "playing": JSON words.
std::string_view to_string(AudioStatus status);

struct AudioCounters {
    std::uint64_t packets = 0;        // audio packets received
    std::uint64_t gaps = 0;           // packets missing from the sequence numbers
    std::uint64_t decode_errors = 0;  // packets libopus could not decode
    std::uint64_t underruns = 0;      // the output ran dry
    std::uint64_t dropped = 0;        // packets of sound dropped as too late
};

class AudioSession {
public:
    explicit AudioSession(AudioSettings settings, PcmTap tap = {});

    // Receive thread.
    void on_accepted(const wire::StreamInfo& info);
    void on_audio(const wire::MessageHeader& header, std::span<const std::uint8_t> opus);

    // Any thread. See AudioPlayer::clock_us.
    std::optional<std::int64_t> clock_us(SteadyClock::time_point now);
    AudioStatus status(SteadyClock::time_point now);
    AudioCounters counters();

private:
    const AudioSettings settings_;
    const PcmTap tap_;

    std::mutex mutex_;
    bool stream_has_audio_ = false;
    std::unique_ptr<AudioDecoder> decoder_;  // one per connection: each starts a fresh Opus stream
    std::unique_ptr<AudioPlayer> player_;    // kept across connections with the same channels
    bool output_failed_ = false;             // opening failed: not retried for every reconnect
    std::uint64_t packets_ = 0;
    std::uint64_t decode_errors_ = 0;
    SequenceGapCounter gaps_;
};

}  // namespace camstream::viewer
