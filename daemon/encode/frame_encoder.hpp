// FrameEncoder: turns what a source retrieved into the JPEG a frame carries,
// doing no more work than the picture options require:
//   - a camera's JPEG and no options: sent as it is (no decode, no encode);
//   - a camera's YUV planes and no options: encoded from the planes;
//   - otherwise: to BGR (decoded or converted), the options applied, encoded.
// The capture thread owns one and calls it once per frame watched.
#pragma once

#include "encode/jpeg_encoder.hpp"
#include "encode/picture_options.hpp"
#include "media/picture.hpp"

#include <memory>

namespace camstream {

class FrameEncoder {
public:
    explicit FrameEncoder(const PictureSettings& picture);
    ~FrameEncoder();
    FrameEncoder(const FrameEncoder&) = delete;
    FrameEncoder& operator=(const FrameEncoder&) = delete;

    struct Jpeg {
        std::shared_ptr<const std::vector<std::uint8_t>> bytes;
        int width = 0;
        int height = 0;
        bool encoded = false;  // false: the source's own JPEG, passed through
    };
    // False with a reason in last_error(). `image` is consumed.
    bool make(SourceImage& image, std::int64_t captured_us, int quality, Jpeg& out);
    const std::string& last_error() const { return last_error_; }
    // The size of the frames made from a source's pictures of `source` size:
    // what viewers are told before the first frame.
    cv::Size output_size(cv::Size source) const { return options_.active() ? options_.output_size(source) : source; }

private:
    bool to_bgr(const SourceImage& image);

    PictureOptions options_;
    JpegEncoder encoder_;
    void* decompressor_ = nullptr;  // tjhandle, made on the first JPEG that must be decoded
    cv::Mat bgr_;
    cv::Mat gathered_;  // 4:2:0 planes made contiguous for cv::cvtColor
    std::vector<std::uint8_t> scratch_;
    std::string last_error_;
};

}  // namespace camstream
