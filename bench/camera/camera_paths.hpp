// The four ways a V4L2 camera's frame becomes the JPEG a frame carries, as the
// capture thread takes them (daemon/encode/frame_encoder.hpp), and the
// measurement of one of them: per frame, the measuring thread's CPU time for
// V4l2Source::grab() + retrieve() + FrameEncoder::make(), nothing else.
//  - mjpeg-passthrough: the camera's JPEG sent as it is (no picture options);
//  - mjpeg-decode-encode: decoded to BGR and encoded again;
//  - yuyv-planes: the camera's YUYV encoded from its planes (no picture options);
//  - yuyv-bgr: converted to BGR (cv::cvtColor) and encoded.
// The two BGR paths are forced with the one picture option that adds no work:
// a resize to the size the camera delivers, which PictureOptions::apply() skips.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace camstream::bench {

enum class CameraPath { mjpeg_passthrough, mjpeg_decode_encode, yuyv_planes, yuyv_bgr };

std::optional<CameraPath> camera_path_from_name(std::string_view name);
std::string_view camera_path_name(CameraPath path);
// The pixel format the path asks the camera for: "MJPG" or "YUYV".
std::string_view camera_path_format(CameraPath path);

struct CameraRunSettings {
    std::string device;  // the (fake) device node
    CameraPath path = CameraPath::mjpeg_passthrough;
    int width = 1280;
    int height = 720;
    int fps = 30;
    int warmup_frames = 10;  // grabbed and made, not counted
    int frames = 90;         // counted
    int quality = 80;
};

// One counted frame: CPU nanoseconds of the measuring thread in each call.
struct FrameCost {
    std::int64_t grab_ns = 0;
    std::int64_t retrieve_ns = 0;
    std::int64_t make_ns = 0;
    std::int64_t total_ns = 0;  // from before grab() to after make()
    std::size_t jpeg_bytes = 0;
};

struct CameraRun {
    std::vector<FrameCost> frames;
    int granted_width = 0;
    int granted_height = 0;
    double granted_fps = 0;
    double wall_seconds = 0;             // the counted frames, first grab() to last make()
    std::uint64_t frames_broken = 0;     // the source's count of broken frames it skipped
    std::uint64_t frames_encoded = 0;    // counted frames FrameEncoder encoded (not passed through)
    std::int64_t clock_read_ns = 0;      // median cost of one CLOCK_THREAD_CPUTIME_ID read
};

// Opens the device, runs warm-up and counted frames, closes it. Throws
// std::runtime_error when the device cannot be opened, grants another size or
// format, or a frame cannot be grabbed, retrieved or made.
CameraRun measure_camera_path(const CameraRunSettings& settings);

}  // namespace camstream::bench
