// JPEG decoding through OpenCV's imgcodecs (libjpeg underneath), after checking
// the markers that say the payload is one whole JPEG.
#include "video/jpeg.hpp"

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

// The picture size in the frame header (SOFn), or 0 when the markers end, run
// past the data or reach the scan first: the decoder then judges the bytes.
long long declared_pixels(std::span<const std::uint8_t> jpeg) {
    std::size_t at = 2;
    while (at + 4 <= jpeg.size() && jpeg[at] == 0xFF) {
        const std::uint8_t marker = jpeg[at + 1];
        const std::size_t length = (std::size_t{jpeg[at + 2]} << 8) | jpeg[at + 3];
        if (marker == 0xDA || length < 2) return 0;
        const bool frame_header = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 &&
                                  marker != 0xCC;
        if (frame_header) {
            if (at + 9 > jpeg.size()) return 0;
            const long long height = (jpeg[at + 5] << 8) | jpeg[at + 6];
            const long long width = (jpeg[at + 7] << 8) | jpeg[at + 8];
            return width * height;
        }
        at += 2 + length;
    }
    return 0;
}

}  // namespace

std::string_view to_string(JpegProblem problem) {
    switch (problem) {
        case JpegProblem::none: return "a complete JPEG";
        case JpegProblem::not_jpeg: return "not a JPEG";
        case JpegProblem::truncated: return "a truncated JPEG (no end marker)";
        case JpegProblem::undecodable: return "a JPEG that does not decode";
        case JpegProblem::too_large: return "a JPEG declaring a picture larger than 7680x4320";
    }
    return "unknown";
}

DecodedJpeg decode_jpeg(std::span<const std::uint8_t> jpeg) {
    // imdecode picks a codec by signature and would accept a PNG, or hand unknown
    // bytes to GDAL; frames must be JPEG, so anything without the SOI marker is not.
    if (!starts_with_start_marker(jpeg)) return {{}, JpegProblem::not_jpeg};
    if (!ends_with_end_marker(jpeg)) return {{}, JpegProblem::truncated};
    // Before the decoder allocates for it: 60 bytes can declare 65535x65535.
    if (declared_pixels(jpeg) > kMaxDecodedPixels) return {{}, JpegProblem::too_large};
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
