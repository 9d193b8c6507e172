// The size of the canvas camview draws before the first frame: the size the
// server announced, within bounds. The announcement is untrusted (a hostile
// server can announce 65535x65535, 12 GB of pixels), and a placeholder only
// needs the right shape.
#pragma once

#include <opencv2/core/types.hpp>

#include <algorithm>

namespace camstream::viewer {

inline constexpr int kMaxPlaceholderWidth = 1920;
inline constexpr int kMaxPlaceholderHeight = 1080;
inline const cv::Size kIdleCanvasSize{640, 480};

// `announced` scaled down to fit 1920x1080 with its aspect ratio kept (at
// least 1 pixel a side); 640x480 when nothing usable was announced.
inline cv::Size placeholder_size(cv::Size announced) {
    if (announced.width <= 0 || announced.height <= 0) return kIdleCanvasSize;
    const double scale = std::min({1.0, double(kMaxPlaceholderWidth) / announced.width,
                                   double(kMaxPlaceholderHeight) / announced.height});
    return {std::max(1, int(announced.width * scale)), std::max(1, int(announced.height * scale))};
}

}  // namespace camstream::viewer
