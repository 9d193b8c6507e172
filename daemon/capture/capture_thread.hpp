// CaptureThread: runs the source and the JPEG encoder on their own thread, so
// the event loop never waits for a camera or an encoder, and hands every
// encoded frame over through a FrameHandoff.
#pragma once

#include "config/config.hpp"
#include "capture/jpeg_encoder.hpp"
#include "media/frame.hpp"
#include "capture/source.hpp"
#include "wire.hpp"

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

namespace camstream {

class CaptureThread {
public:
    // publish is called on the capture thread with each new frame.
    using Publish = std::function<void(std::shared_ptr<Frame>)>;

    // first_sequence lets a replacement thread (source changed on reload) carry
    // on the numbering, so viewers never see sequence numbers go backwards.
    CaptureThread(const SourceSettings& source, const EncoderSettings& encoder, Publish publish,
                  std::uint64_t first_sequence = 1);
    ~CaptureThread();
    CaptureThread(const CaptureThread&) = delete;
    CaptureThread& operator=(const CaptureThread&) = delete;

    // Opens the source (so its size is known) and starts the thread.
    void start();
    void stop();

    // Encoding happens only while at least one viewer watches.
    void set_viewers(int viewers) { viewers_.store(viewers, std::memory_order_relaxed); }
    void set_jpeg_quality(int quality) { jpeg_quality_.store(quality, std::memory_order_relaxed); }

    cv::Size size() const { return size_; }
    double fps() const { return fps_; }
    std::string describe() const { return description_; }
    wire::SourceState state() const { return state_.load(std::memory_order_relaxed); }
    std::uint64_t frames_captured() const { return frames_captured_.load(std::memory_order_relaxed); }
    std::uint64_t frames_encoded() const { return frames_encoded_.load(std::memory_order_relaxed); }
    std::uint64_t last_sequence() const { return last_sequence_.load(std::memory_order_relaxed); }
    // Wall-clock µs of the last frame grabbed, 0 if none: the watchdog's proof of life.
    std::int64_t last_capture_us() const { return last_capture_us_.load(std::memory_order_relaxed); }

private:
    void run();
    bool reopen_after_failure();
    void encode_and_publish(std::uint64_t sequence, std::int64_t captured_us);

    std::unique_ptr<Source> source_;
    Publish publish_;
    JpegEncoder encoder_;
    SourceImage image_;
    cv::Size size_;
    double fps_;
    std::string description_;

    std::atomic<int> viewers_{0};
    std::atomic<int> jpeg_quality_;
    std::atomic<wire::SourceState> state_{wire::SourceState::starting};
    std::atomic<std::uint64_t> frames_captured_{0};
    std::atomic<std::uint64_t> frames_encoded_{0};
    std::atomic<std::uint64_t> last_sequence_;
    std::atomic<std::int64_t> last_capture_us_{0};

    std::mutex stop_mutex_;
    std::condition_variable stop_signal_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace camstream
