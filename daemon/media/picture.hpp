// A picture as a source hands it on, before it is a JPEG: pixels, a camera's
// YUV planes, or a JPEG the camera made. What the capture stage gives the
// encode stage.
#pragma once

#include <opencv2/core.hpp>

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

namespace camstream {

// A camera's planar YUV picture, encoded as it is (no conversion to BGR and
// back). The planes may point into the source's own buffers: valid until its
// next grab().
struct YuvPlanes {
    // yuyv: one packed plane (Y0 U Y1 V); nv12: a Y plane and one of
    // interleaved Cb Cr; i420: Y, Cb and Cr planes. Chroma is halved across
    // (all three) and down (nv12, i420).
    enum class Layout { none, yuyv, nv12, i420 } layout = Layout::none;
    int width = 0;
    int height = 0;
    std::array<const std::uint8_t*, 3> planes{};
    std::array<int, 3> strides{};
};

// A retrieved picture: raw pixels to encode, YUV planes to encode, or a JPEG
// to pass through as is (shared: a source may hand the same bytes out again).
struct SourceImage {
    cv::Mat pixels;
    YuvPlanes yuv;
    std::shared_ptr<const std::vector<std::uint8_t>> jpeg;
};

}  // namespace camstream
