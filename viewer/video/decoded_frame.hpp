// DecodedFrame: a picture decoded on the receive thread, on its way to the window.
#pragma once

#include <opencv2/core.hpp>

#include <cstdint>
#include <memory>

namespace camstream::viewer {

struct DecodedFrame {
    cv::Mat image;  // BGR
    std::uint64_t sequence = 0;
    std::uint64_t capture_timestamp_us = 0;  // the sender's clock, µs since the Unix epoch
};

using DecodedFramePtr = std::shared_ptr<const DecodedFrame>;

}  // namespace camstream::viewer
