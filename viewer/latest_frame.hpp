// LatestFrame: hands decoded frames from the receive thread to the UI thread.
// The newest frame wins: a UI that falls behind skips frames instead of queueing them.
#pragma once

#include <opencv2/core.hpp>

#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>

namespace camstream::viewer {

struct DecodedFrame {
    cv::Mat image;  // BGR
    std::uint64_t sequence = 0;
    std::uint64_t capture_timestamp_us = 0;  // the sender's clock, µs since the Unix epoch
};

using DecodedFramePtr = std::shared_ptr<const DecodedFrame>;

class LatestFrame {
public:
    // Replaces any frame the UI has not taken yet.
    void publish(DecodedFramePtr frame) {
        std::lock_guard lock(mutex_);
        latest_ = std::move(frame);
    }

    // The newest frame since the last take, or null when none arrived.
    DecodedFramePtr take() {
        std::lock_guard lock(mutex_);
        return std::exchange(latest_, nullptr);
    }

private:
    std::mutex mutex_;
    DecodedFramePtr latest_;
};

}  // namespace camstream::viewer
