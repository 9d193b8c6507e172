// CaptureThread: runs one source and the JPEG encoder on a thread of their own,
// so the event loop never waits for a camera or an encoder, and hands frames,
// status and events to the loop through its own CaptureHandoff.
//
// The loop never waits for the thread either: stop() only asks, and the thread
// says when it has ended, through the hand-off; only then does the owner free
// it. A source reopened on reload is a new CaptureThread beside the old one.
#pragma once

#include "capture/capture_handoff.hpp"
#include "encode/frame_encoder.hpp"
#include "capture/source.hpp"
#include "capture/stop_signal.hpp"
#include "config/config.hpp"

#include <atomic>
#include <functional>
#include <memory>
#include <thread>

namespace camstream {

class CaptureThread {
public:
    // Called on the loop thread.
    struct Listener {
        // frames_replaced: fresher frames replaced that many before the loop took this one.
        std::function<void(FramePtr, std::uint64_t frames_replaced)> frame;
        std::function<void(const CaptureStatus&)> status;
        std::function<void(const CaptureEvent&)> event;  // opened, open_failed
    };

    // first_sequence lets a replacement thread (source changed on reload) carry
    // on the numbering, so viewers never see sequence numbers go backwards.
    CaptureThread(uv_loop_t* loop, const SourceSettings& source, const PictureSettings& picture, int jpeg_quality,
                  std::uint64_t first_sequence, Listener listener);
    // Outside the loop only (start-up failed, or the loop has ended): joins.
    ~CaptureThread();
    CaptureThread(const CaptureThread&) = delete;
    CaptureThread& operator=(const CaptureThread&) = delete;

    void start();
    // Loop thread: asks the thread to stop and returns at once. Nothing it
    // captures from now on is delivered; on_stopped runs on the loop once the
    // thread has ended and its hand-off is closed, when the owner may free it.
    void stop(std::function<void()> on_stopped);

    // Encoding happens only while at least one viewer watches.
    void set_viewers(int viewers) { viewers_.store(viewers, std::memory_order_relaxed); }
    void set_jpeg_quality(int quality) { jpeg_quality_.store(quality, std::memory_order_relaxed); }
    std::uint64_t last_sequence() const { return last_sequence_.load(std::memory_order_relaxed); }

private:
    void run();
    bool open_source(bool first_attempt);
    void encode_and_post(std::uint64_t sequence, std::int64_t captured_us);
    void post_status_if_due(bool now);
    void deliver(CaptureHandoff::Mail& mail);

    StopSignal stop_signal_;
    std::unique_ptr<Source> source_;
    std::string description_;
    Listener listener_;
    FrameEncoder encoder_;
    Duration retry_initial_;
    Duration retry_max_;
    SourceImage image_;
    CaptureHandoff handoff_;

    std::atomic<int> viewers_{0};
    std::atomic<int> jpeg_quality_;
    std::atomic<std::uint64_t> last_sequence_;
    // The capture thread's own, reported through the hand-off.
    CaptureStatus status_;
    StopSignal::Clock::time_point status_posted_{};

    // Loop thread.
    bool stopping_ = false;
    std::function<void()> on_stopped_;
    std::thread thread_;
};

}  // namespace camstream
