// JPEG decoding through OpenCV's imgcodecs (libjpeg underneath).
#include "jpeg.hpp"

#include <opencv2/imgcodecs.hpp>

namespace camstream::viewer {

cv::Mat decode_jpeg(std::span<const std::uint8_t> jpeg) {
    // imdecode picks a codec by signature and would accept a PNG, or hand unknown
    // bytes to GDAL; frames must be JPEG, so anything without the SOI marker is not.
    if (jpeg.size() < 3 || jpeg[0] != 0xFF || jpeg[1] != 0xD8 || jpeg[2] != 0xFF) return {};
    try {
        // _InputArray views the payload in place instead of copying it into a vector.
        return cv::imdecode(cv::_InputArray(jpeg.data(), static_cast<int>(jpeg.size())),
                            cv::IMREAD_COLOR);
    } catch (const cv::Exception&) {
        // Some corrupt streams make libjpeg fail hard instead of returning an empty image.
        return {};
    }
}

}  // namespace camstream::viewer
