// AudioCaptureThread: runs one audio source and the Opus encoder on a thread
// of their own, and hands packets and status to the event loop through its
// AudioHandoff. It reads every 20 ms packet always (so it knows the
// microphone is alive and an ALSA buffer never overruns) but encodes only
// while someone listens.
//
// The loop never waits for the thread: stop() only asks, and the thread says
// when it has ended, through the hand-off; only then does the owner free it.
#pragma once

#include "audio/audio_handoff.hpp"
#include "audio/audio_source.hpp"
#include "audio/opus_encoder.hpp"
#include "capture/stop_signal.hpp"
#include "config/settings.hpp"

#include <atomic>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

namespace camstream {

class AudioCaptureThread {
public:
    // Called on the loop thread.
    struct Listener {
        std::function<void(FramePtr packet)> packet;  // in capture order
        std::function<void(const AudioStatus&)> status;
    };

    // first_sequence lets a replacement thread (reload) carry on the
    // numbering, so listeners never see sequence numbers go backwards.
    // Throws std::invalid_argument when settings.source is "none".
    AudioCaptureThread(uv_loop_t* loop, const AudioSettings& settings, std::uint64_t first_sequence,
                       Listener listener);
    // Outside the loop only (start-up failed, or the loop has ended): joins.
    ~AudioCaptureThread();
    AudioCaptureThread(const AudioCaptureThread&) = delete;
    AudioCaptureThread& operator=(const AudioCaptureThread&) = delete;

    void start();
    // Loop thread: asks the thread to stop and returns at once. Nothing it
    // captures from now on is delivered; on_stopped runs on the loop once the
    // thread has ended and its hand-off is closed, when the owner may free it.
    void stop(std::function<void()> on_stopped);

    // Encoding happens only while at least one listener listens.
    void set_listeners(int listeners) { listeners_.store(listeners, std::memory_order_relaxed); }
    AudioFormat format() const { return format_; }
    // Of the last packet read, encoded or not.
    std::uint64_t last_sequence() const { return last_sequence_.load(std::memory_order_relaxed); }

private:
    void run();
    bool open_source(bool first_attempt);
    void encode_and_post(std::uint64_t sequence, std::int64_t captured_us);
    void post_status_if_due(bool now);
    void deliver(AudioHandoff::Mail& mail);

    StopSignal stop_signal_;
    std::unique_ptr<AudioSource> source_;
    std::string description_;
    Listener listener_;
    AudioFormat format_;
    OpusPacketEncoder encoder_;
    Duration retry_initial_;
    Duration retry_max_;
    std::vector<std::int16_t> samples_;  // one packet, interleaved
    AudioHandoff handoff_;

    std::atomic<int> listeners_{0};
    std::atomic<std::uint64_t> last_sequence_;
    // The capture thread's own, reported through the hand-off.
    AudioStatus status_;
    StopSignal::Clock::time_point status_posted_{};

    // Loop thread.
    bool stopping_ = false;
    std::function<void()> on_stopped_;
    std::thread thread_;
};

}  // namespace camstream
