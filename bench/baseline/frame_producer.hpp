// FrameProducer: cycles through the folder's JPEGs at a steady frame rate and
// publishes each as a complete wire message, timestamped at "capture" like the
// daemon's file source, so both servers are measured on the same frames.
#pragma once

#include "current_frame.hpp"
#include "jpeg_folder.hpp"

#include <atomic>
#include <thread>

namespace camstream::bench {

class FrameProducer {
public:
    FrameProducer(const JpegFolder& folder, double fps, CurrentFrame& frame);
    ~FrameProducer();
    FrameProducer(const FrameProducer&) = delete;
    FrameProducer& operator=(const FrameProducer&) = delete;

    std::uint64_t frames_produced() const { return produced_.load(); }

private:
    void run();

    const JpegFolder& folder_;
    double fps_;
    CurrentFrame& frame_;
    std::atomic<bool> stopping_{false};
    std::atomic<std::uint64_t> produced_{0};
    std::thread thread_;
};

}  // namespace camstream::bench
