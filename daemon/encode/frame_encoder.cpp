// FrameEncoder: see frame_encoder.hpp.
#include "encode/frame_encoder.hpp"

#include <opencv2/imgproc.hpp>
#include <turbojpeg.h>

#include <cstring>

namespace camstream {

FrameEncoder::FrameEncoder(const PictureSettings& picture) : options_(picture) {}

FrameEncoder::~FrameEncoder() {
    if (decompressor_) tjDestroy(decompressor_);
}

bool FrameEncoder::make(SourceImage& image, std::int64_t captured_us, int quality, Jpeg& out) {
    if (!options_.active()) {
        if (image.jpeg) {
            int width = 0;
            int height = 0;
            // The size from the JPEG itself: a camera may change it on a replug.
            if (!decompressor_) decompressor_ = tjInitDecompress();
            int subsampling = 0;
            int colorspace = 0;
            if (!decompressor_ ||
                tjDecompressHeader3(decompressor_, image.jpeg->data(), static_cast<unsigned long>(image.jpeg->size()),
                                    &width, &height, &subsampling, &colorspace) != 0 ||
                width <= 0 || height <= 0) {
                last_error_ = std::string("the camera's JPEG has no readable header: ") +
                              tjGetErrorStr2(decompressor_);
                return false;
            }
            out = {std::move(image.jpeg), width, height, false};
            return true;
        }
        if (image.yuv.layout != YuvPlanes::Layout::none) {
            if (!encoder_.encode(image.yuv, quality, scratch_)) {
                last_error_ = encoder_.last_error();
                return false;
            }
            out = {std::make_shared<const std::vector<std::uint8_t>>(std::move(scratch_)), image.yuv.width,
                   image.yuv.height, true};
            return true;
        }
    }
    if (!to_bgr(image)) return false;
    const cv::Mat& picture = options_.active() ? options_.apply(bgr_, captured_us) : bgr_;
    if (!encoder_.encode(picture, quality, scratch_)) {
        last_error_ = encoder_.last_error();
        return false;
    }
    out = {std::make_shared<const std::vector<std::uint8_t>>(std::move(scratch_)), picture.cols, picture.rows, true};
    return true;
}

bool FrameEncoder::to_bgr(const SourceImage& image) {
    if (image.jpeg) {
        if (!decompressor_) decompressor_ = tjInitDecompress();
        int width = 0;
        int height = 0;
        int subsampling = 0;
        int colorspace = 0;
        const auto size = static_cast<unsigned long>(image.jpeg->size());
        if (!decompressor_ || tjDecompressHeader3(decompressor_, image.jpeg->data(), size, &width, &height,
                                                  &subsampling, &colorspace) != 0 ||
            width <= 0 || height <= 0) {
            last_error_ = std::string("cannot read the JPEG's header: ") + tjGetErrorStr2(decompressor_);
            return false;
        }
        bgr_.create(height, width, CV_8UC3);
        if (tjDecompress2(decompressor_, image.jpeg->data(), size, bgr_.data, width, static_cast<int>(bgr_.step),
                          height, TJPF_BGR, TJFLAG_FASTDCT) != 0 &&
            tjGetErrorCode(decompressor_) == TJERR_FATAL) {
            last_error_ = std::string("cannot decode the JPEG: ") + tjGetErrorStr2(decompressor_);
            return false;
        }
        return true;
    }
    if (image.yuv.layout != YuvPlanes::Layout::none) {
        // For the options only. cv::cvtColor reads 4:2:0 layouts as one
        // contiguous buffer, so their planes are gathered first; YUYV is read
        // in place.
        const auto& yuv = image.yuv;
        if (yuv.layout == YuvPlanes::Layout::yuyv) {
            const cv::Mat packed(yuv.height, yuv.width, CV_8UC2, const_cast<std::uint8_t*>(yuv.planes[0]),
                                 static_cast<std::size_t>(yuv.strides[0]));
            cv::cvtColor(packed, bgr_, cv::COLOR_YUV2BGR_YUYV);
            return true;
        }
        gathered_.create(yuv.height * 3 / 2, yuv.width, CV_8UC1);
        auto* out = gathered_.data;
        const auto copy_rows = [&out](const std::uint8_t* plane, int stride, int rows, int row_bytes) {
            for (int row = 0; row < rows; ++row, out += row_bytes) {
                std::memcpy(out, plane + static_cast<std::ptrdiff_t>(row) * stride, static_cast<std::size_t>(row_bytes));
            }
        };
        copy_rows(yuv.planes[0], yuv.strides[0], yuv.height, yuv.width);
        if (yuv.layout == YuvPlanes::Layout::nv12) {
            copy_rows(yuv.planes[1], yuv.strides[1], yuv.height / 2, yuv.width);
            cv::cvtColor(gathered_, bgr_, cv::COLOR_YUV2BGR_NV12);
        } else {
            copy_rows(yuv.planes[1], yuv.strides[1], yuv.height / 2, yuv.width / 2);
            copy_rows(yuv.planes[2], yuv.strides[2], yuv.height / 2, yuv.width / 2);
            cv::cvtColor(gathered_, bgr_, cv::COLOR_YUV2BGR_I420);
        }
        return true;
    }
    if (image.pixels.empty()) {
        last_error_ = "the source gave no picture";
        return false;
    }
    bgr_ = image.pixels;  // shares the source's pixels; the options write into their own buffers
    return true;
}

}  // namespace camstream
