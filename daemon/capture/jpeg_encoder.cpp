// JpegEncoder: see encoder.hpp.
#include "capture/jpeg_encoder.hpp"

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
    // A reused scratch buffer sized for the worst case: TurboJPEG never allocates,
    // and the frame gets a vector of exactly the JPEG's size, not the worst case.
    const auto worst_case = tjBufSize(picture.cols, picture.rows, subsampling);
    if (scratch_.size() < worst_case) scratch_.resize(worst_case);
    unsigned char* destination = scratch_.data();
    unsigned long size = scratch_.size();
    const int rc = tjCompress2(handle_, picture.data, picture.cols, static_cast<int>(picture.step),
                               picture.rows, pixel_format, &destination, &size, subsampling, quality,
                               TJFLAG_NOREALLOC | TJFLAG_FASTDCT);
    if (rc != 0) {
        last_error_ = tjGetErrorStr2(handle_);
        return false;
    }
    out.assign(scratch_.begin(), scratch_.begin() + static_cast<std::ptrdiff_t>(size));
    return true;
}

}  // namespace camstream
