// JPEG decoding of frame payloads, shared by window and headless mode.
#pragma once

#include <opencv2/core.hpp>

#include <cstdint>
#include <span>

namespace camstream::viewer {

// The BGR image, or an empty Mat when the bytes are not a valid JPEG.
cv::Mat decode_jpeg(std::span<const std::uint8_t> jpeg);

}  // namespace camstream::viewer
