// JPEG decoding through OpenCV's imgcodecs (libjpeg underneath), after checking
// the markers that say the payload is one whole JPEG.
#include "jpeg.hpp"

#include <opencv2/imgcodecs.hpp>

namespace camstream::viewer {

namespace {

bool starts_with_start_marker(std::span<const std::uint8_t> jpeg) {
    return jpeg.size() >= 3 && jpeg[0] == 0xFF && jpeg[1] == 0xD8 && jpeg[2] == 0xFF;
}

// Zero bytes after the EOI are padding that some capture drivers add (µStreamer
// accepts them too); anything else at the end means the image was cut short.
// libjpeg decodes a cut image with only a warning, grey below the cut, so this
// check is what tells a truncated frame from a good one.
bool ends_with_end_marker(std::span<const std::uint8_t> jpeg) {
    std::size_t end = jpeg.size();
    while (end > 0 && jpeg[end - 1] == 0x00) --end;
    return end >= 4 && jpeg[end - 2] == 0xFF && jpeg[end - 1] == 0xD9;
}

}  // namespace

std::string_view to_string(JpegProblem problem) {
    switch (problem) {
        case JpegProblem::none: return "a complete JPEG";
        case JpegProblem::not_jpeg: return "not a JPEG";
        case JpegProblem::truncated: return "a truncated JPEG (no end marker)";
        case JpegProblem::undecodable: return "a JPEG that does not decode";
    }
    return "unknown";
}

DecodedJpeg decode_jpeg(std::span<const std::uint8_t> jpeg) {
    // imdecode picks a codec by signature and would accept a PNG, or hand unknown
    // bytes to GDAL; frames must be JPEG, so anything without the SOI marker is not.
    if (!starts_with_start_marker(jpeg)) return {{}, JpegProblem::not_jpeg};
    if (!ends_with_end_marker(jpeg)) return {{}, JpegProblem::truncated};
    try {
        // _InputArray views the payload in place instead of copying it into a vector.
        cv::Mat image = cv::imdecode(cv::_InputArray(jpeg.data(), static_cast<int>(jpeg.size())),
                                     cv::IMREAD_COLOR);
        if (image.empty()) return {{}, JpegProblem::undecodable};
        return {std::move(image), JpegProblem::none};
    } catch (const cv::Exception&) {
        // Some corrupt streams make libjpeg fail hard instead of returning an empty image.
        return {{}, JpegProblem::undecodable};
    }
}

}  // namespace camstream::viewer
