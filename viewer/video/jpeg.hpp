// JPEG decoding of frame payloads, shared by window and headless mode.
#pragma once

#include <opencv2/core.hpp>

#include <cstdint>
#include <span>
#include <string_view>

namespace camstream::viewer {

// Why a payload gave no picture. The protocol promises one complete JPEG image
// per frame, so each of these is a fault of the sender, never of the link: TCP
// delivers a frame's bytes intact or not at all.
enum class JpegProblem {
    none,
    not_jpeg,     // empty, or does not start with the SOI marker (FF D8 FF)
    truncated,    // starts like a JPEG but does not end with the EOI marker (FF D9)
    undecodable,  // has both markers, but the decoder cannot make a picture of it
    too_large,    // declares a picture larger than any camera's (a few bytes could ask for gigabytes)
};

// The largest picture camview decodes: camstreamd's largest source size.
inline constexpr long long kMaxDecodedPixels = 7680LL * 4320LL;
std::string_view to_string(JpegProblem problem);

struct DecodedJpeg {
    cv::Mat image;  // BGR; empty unless problem is none
    JpegProblem problem = JpegProblem::none;
};

DecodedJpeg decode_jpeg(std::span<const std::uint8_t> jpeg);

}  // namespace camstream::viewer
