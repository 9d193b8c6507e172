// PlayoutBuffer: the jitter buffer between the receive thread, which decodes
// audio as packets arrive, and the player thread, which needs it at a steady pace.
#pragma once

#include "audio/audio_decoder.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>

namespace camstream::viewer {

struct PlayoutBufferSettings {
    // Playing starts (and starts again after the output ran dry) once this much
    // sound is buffered: enough to ride out the usual network jitter.
    std::chrono::milliseconds start_level{80};
    // Beyond this the oldest sound is dropped: after a stall, packets arrive in
    // a burst, and playing them all late would delay sound (and the pictures
    // synchronised to it) for good.
    std::chrono::milliseconds max_level{400};
};

class PlayoutBuffer {
public:
    PlayoutBuffer(PlayoutBufferSettings settings, int channels);

    // Any thread.
    void push(AudioChunk chunk);
    // Waits up to `timeout` for the next chunk to play; none while refilling.
    std::optional<AudioChunk> pop(std::chrono::milliseconds timeout);
    // The output ran dry: hold back until start_level is buffered again.
    void refill();
    // Wakes a waiting pop; nothing is returned any more.
    void close();

    std::chrono::microseconds level();
    std::uint64_t dropped_chunks();

private:
    std::chrono::microseconds duration_of(const AudioChunk& chunk) const;
    std::chrono::microseconds level_locked() const;

    const PlayoutBufferSettings settings_;
    const int channels_;
    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<AudioChunk> chunks_;
    bool refilling_ = true;
    bool closed_ = false;
    std::uint64_t dropped_chunks_ = 0;
};

}  // namespace camstream::viewer
