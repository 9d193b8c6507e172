// JpegEncoder: see jpeg_encoder.hpp.
#include "encode/jpeg_encoder.hpp"

#include <turbojpeg.h>

namespace camstream {

JpegEncoder::JpegEncoder() : handle_(tjInitCompress()) {}

JpegEncoder::~JpegEncoder() {
    if (handle_) tjDestroy(handle_);
}

bool JpegEncoder::encode(const cv::Mat& picture, int quality, std::vector<std::uint8_t>& out) {
    if (!handle_) {
        last_error_ = "TurboJPEG could not be initialised";
        return false;
    }
    if (picture.depth() != CV_8U || (picture.channels() != 3 && picture.channels() != 1)) {
        last_error_ = "unsupported picture format (need 8-bit BGR or grey)";
        return false;
    }
    const bool grey = picture.channels() == 1;
    const int pixel_format = grey ? TJPF_GRAY : TJPF_BGR;
    const int subsampling = grey ? TJSAMP_GRAY : TJSAMP_420;
    unsigned long size = 0;
    unsigned char* destination = scratch_for(picture.cols, picture.rows, subsampling, size);
    const int rc = tjCompress2(handle_, picture.data, picture.cols, static_cast<int>(picture.step),
                               picture.rows, pixel_format, &destination, &size, subsampling, quality,
                               TJFLAG_NOREALLOC | TJFLAG_FASTDCT);
    return finish(rc, size, out);
}

bool JpegEncoder::encode(const YuvPlanes& picture, int quality, std::vector<std::uint8_t>& out) {
    if (!handle_) {
        last_error_ = "TurboJPEG could not be initialised";
        return false;
    }
    if (picture.layout == YuvPlanes::Layout::none || picture.width <= 0 || picture.height <= 0) {
        last_error_ = "no YUV picture";
        return false;
    }
    auto planes = picture.planes;
    auto strides = picture.strides;
    int subsampling = TJSAMP_420;
    if (picture.layout == YuvPlanes::Layout::yuyv) {
        // Packed Y0 U Y1 V into three planes, in one pass: every luma row, and
        // the chroma of every other row, so the JPEG is 4:2:0 like every other
        // path. Keeping the camera's 4:2:2 would cost a third more DCT and
        // entropy coding than the colour conversion it saves (and bigger frames).
        const auto width = static_cast<std::size_t>(picture.width);
        const auto height = static_cast<std::size_t>(picture.height);
        const auto half_width = width / 2;
        const auto half_height = (height + 1) / 2;
        planes_.resize(width * height + half_width * half_height * 2);
        auto* y = planes_.data();
        auto* u = y + width * height;
        auto* v = u + half_width * half_height;
        planes = {y, u, v};
        strides = {picture.width, static_cast<int>(half_width), static_cast<int>(half_width)};
        for (std::size_t row = 0; row < height; ++row) {
            const auto* in = picture.planes[0] + row * static_cast<std::size_t>(picture.strides[0]);
            if (row % 2 == 0) {
                for (std::size_t pair = 0; pair < half_width; ++pair, in += 4) {
                    *y++ = in[0];
                    *u++ = in[1];
                    *y++ = in[2];
                    *v++ = in[3];
                }
            } else {
                for (std::size_t pair = 0; pair < half_width; ++pair, in += 4) {
                    *y++ = in[0];
                    *y++ = in[2];
                }
            }
        }
    }
    if (picture.layout == YuvPlanes::Layout::nv12) {
        // The interleaved Cb Cr plane split in two: a quarter of the picture's bytes.
        const auto half_width = static_cast<std::size_t>(picture.width) / 2;
        const auto half_height = static_cast<std::size_t>(picture.height) / 2;
        planes_.resize(half_width * half_height * 2);
        auto* u = planes_.data();
        auto* v = u + half_width * half_height;
        planes = {picture.planes[0], u, v};
        strides = {picture.strides[0], static_cast<int>(half_width), static_cast<int>(half_width)};
        for (std::size_t row = 0; row < half_height; ++row) {
            const auto* in = picture.planes[1] + row * static_cast<std::size_t>(picture.strides[1]);
            for (std::size_t column = 0; column < half_width; ++column) {
                *u++ = in[2 * column];
                *v++ = in[2 * column + 1];
            }
        }
    }
    unsigned long size = 0;
    unsigned char* destination = scratch_for(picture.width, picture.height, subsampling, size);
    const int rc = tjCompressFromYUVPlanes(handle_, planes.data(), picture.width, strides.data(),
                                           picture.height, subsampling, &destination, &size, quality,
                                           TJFLAG_NOREALLOC | TJFLAG_FASTDCT);
    return finish(rc, size, out);
}

// A reused scratch buffer sized for the worst case: TurboJPEG never allocates,
// and the frame gets a vector of exactly the JPEG's size, not the worst case.
unsigned char* JpegEncoder::scratch_for(int width, int height, int subsampling, unsigned long& size) {
    const auto worst_case = tjBufSize(width, height, subsampling);
    if (scratch_.size() < worst_case) scratch_.resize(worst_case);
    size = scratch_.size();
    return scratch_.data();
}

bool JpegEncoder::finish(int rc, unsigned long size, std::vector<std::uint8_t>& out) {
    if (rc != 0) {
        last_error_ = tjGetErrorStr2(handle_);
        return false;
    }
    out.assign(scratch_.begin(), scratch_.begin() + static_cast<std::ptrdiff_t>(size));
    return true;
}

}  // namespace camstream
