// JpegEncoder: compresses one picture to JPEG with libjpeg-turbo's TurboJPEG API.
//
// TurboJPEG rather than cv::imencode: it is the same engine, but called directly
// it encodes from the BGR buffer without OpenCV's intermediate copies and lets
// us choose chroma subsampling and the fast DCT, which matter on a Pi.
#pragma once

#include "media/picture.hpp"

#include <opencv2/core.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace camstream {

class JpegEncoder {
public:
    JpegEncoder();
    ~JpegEncoder();
    JpegEncoder(const JpegEncoder&) = delete;
    JpegEncoder& operator=(const JpegEncoder&) = delete;

    // Encodes an 8-bit BGR or greyscale picture; false with a reason in last_error().
    bool encode(const cv::Mat& picture, int quality, std::vector<std::uint8_t>& out);
    // Encodes a camera's YUV planes as they are: JPEG stores YCbCr, so a
    // camera's YUV needs no conversion (to BGR and back, which costs as much
    // as the encode on a Pi).
    bool encode(const YuvPlanes& picture, int quality, std::vector<std::uint8_t>& out);
    const std::string& last_error() const { return last_error_; }

private:
    // The JPEG TurboJPEG wrote into scratch_ (size bytes), or its error.
    bool finish(int rc, unsigned long size, std::vector<std::uint8_t>& out);
    unsigned char* scratch_for(int width, int height, int subsampling, unsigned long& size);

    void* handle_;  // tjhandle
    std::vector<std::uint8_t> scratch_;
    std::vector<std::uint8_t> planes_;  // YUYV or NV12 split into planes
    std::string last_error_;
};

}  // namespace camstream
