// Camera paths: see camera_paths.hpp.
#include "camera_paths.hpp"

#include "encode/frame_encoder.hpp"
#include "capture/source.hpp"
#include "capture/stop_signal.hpp"
#include "capture/v4l2_source.hpp"
#include "config/settings.hpp"

#include <opencv2/core/utility.hpp>
#include <time.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <stdexcept>

namespace camstream::bench {
namespace {

struct PathRow {
    CameraPath path;
    std::string_view name;
    std::string_view format;
    bool through_bgr;
};

constexpr std::array<PathRow, 4> kPaths = {{
    {CameraPath::mjpeg_passthrough, "mjpeg-passthrough", "MJPG", false},
    {CameraPath::mjpeg_decode_encode, "mjpeg-decode-encode", "MJPG", true},
    {CameraPath::yuyv_planes, "yuyv-planes", "YUYV", false},
    {CameraPath::yuyv_bgr, "yuyv-bgr", "YUYV", true},
}};

const PathRow& row_of(CameraPath path) {
    for (const auto& row : kPaths) {
        if (row.path == path) return row;
    }
    throw std::logic_error("unknown camera path");
}

// This thread's CPU time: the fake camera's producer thread, which fills the
// buffers, is another thread and is not counted.
std::int64_t thread_cpu_ns() {
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return std::int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec;
}

// CLOCK_THREAD_CPUTIME_ID is a real system call (no vDSO): each frame's total
// holds two more reads than the three calls, so what one read costs is reported.
std::int64_t clock_read_cost_ns() {
    std::vector<std::int64_t> steps;
    steps.reserve(1000);
    for (int i = 0; i < 1000; ++i) {
        const auto before = thread_cpu_ns();
        steps.push_back(thread_cpu_ns() - before);
    }
    std::nth_element(steps.begin(), steps.begin() + static_cast<std::ptrdiff_t>(steps.size() / 2), steps.end());
    return steps[steps.size() / 2];
}

}  // namespace

std::optional<CameraPath> camera_path_from_name(std::string_view name) {
    for (const auto& row : kPaths) {
        if (row.name == name) return row.path;
    }
    return std::nullopt;
}

std::string_view camera_path_name(CameraPath path) { return row_of(path).name; }

std::string_view camera_path_format(CameraPath path) { return row_of(path).format; }

CameraRun measure_camera_path(const CameraRunSettings& settings) {
    const auto& row = row_of(settings.path);
    SourceSettings source_settings;
    source_settings.uri = "v4l2:" + settings.device;
    source_settings.width = settings.width;
    source_settings.height = settings.height;
    source_settings.fps = settings.fps;
    source_settings.format = std::string(row.format);
    PictureSettings picture;
    if (row.through_bgr) {
        // Resizing to the camera's own size: PictureOptions is active, so the
        // picture goes through BGR, and apply() skips the resize itself.
        picture.width = settings.width;
        picture.height = settings.height;
    }

    // cv::cvtColor splits a picture over OpenCV's worker threads, whose CPU
    // this thread's clock would miss: run OpenCV on the calling thread, so the
    // BGR paths' conversion is counted whole (the daemon spreads the same work
    // over more threads, at a small cost in synchronisation).
    cv::setNumThreads(0);

    const StopSignal never_stopped;
    V4l2Source source(settings.device, source_settings, never_stopped);
    std::string error;
    if (!source.open(error)) throw std::runtime_error("cannot open " + settings.device + ": " + error);
    CameraRun run;
    run.granted_width = source.size().width;
    run.granted_height = source.size().height;
    run.granted_fps = source.fps();
    if (run.granted_width != settings.width || run.granted_height != settings.height) {
        throw std::runtime_error(settings.device + " granted " + std::to_string(run.granted_width) + "x" +
                                 std::to_string(run.granted_height) + ", not the size asked for");
    }
    run.clock_read_ns = clock_read_cost_ns();

    FrameEncoder encoder(picture);
    SourceImage image;               // reused across frames, as the capture thread's image_
    FrameEncoder::Jpeg previous;     // the last frame's JPEG, released outside the timed calls
    run.frames.reserve(static_cast<std::size_t>(settings.frames));
    const auto total = settings.warmup_frames + settings.frames;
    const bool wants_jpeg = row.format == "MJPG";
    std::chrono::steady_clock::time_point counted_from;
    for (int index = 0; index < total; ++index) {
        const bool counted = index >= settings.warmup_frames;
        if (index == settings.warmup_frames) counted_from = std::chrono::steady_clock::now();
        FrameEncoder::Jpeg jpeg;
        // What CaptureThread::run() and encode_and_post() do for a watched frame.
        const auto t0 = thread_cpu_ns();
        const bool grabbed = source.grab();
        const auto t1 = thread_cpu_ns();
        image.jpeg.reset();
        image.yuv = {};
        const bool retrieved = grabbed && source.retrieve(image);
        const auto t2 = thread_cpu_ns();
        // What the camera delivered decides the path: checked before make() consumes it.
        const bool delivered_asked_format =
            wants_jpeg ? image.jpeg != nullptr : image.yuv.layout == YuvPlanes::Layout::yuyv;
        const bool made = retrieved && delivered_asked_format &&
                          encoder.make(image, source.captured_us(), settings.quality, jpeg);
        const auto t3 = thread_cpu_ns();
        if (!grabbed) throw std::runtime_error(settings.device + ": grab() failed (see the log above)");
        if (!retrieved) throw std::runtime_error(settings.device + ": retrieve() failed");
        if (!delivered_asked_format) {
            throw std::runtime_error(settings.device + " did not deliver " + std::string(row.format));
        }
        if (!made) throw std::runtime_error("FrameEncoder::make: " + encoder.last_error());
        if (jpeg.encoded != (settings.path != CameraPath::mjpeg_passthrough)) {
            throw std::runtime_error(std::string(row.name) + ": FrameEncoder took another path than asked");
        }
        if (jpeg.width != settings.width || jpeg.height != settings.height || !jpeg.bytes) {
            throw std::runtime_error("FrameEncoder made a picture of another size");
        }
        if (counted) {
            run.frames.push_back({t1 - t0, t2 - t1, t3 - t2, t3 - t0, jpeg.bytes->size()});
            if (jpeg.encoded) ++run.frames_encoded;
        }
        previous = std::move(jpeg);
    }
    run.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - counted_from).count();
    run.frames_broken = source.frames_broken();
    return run;
}

}  // namespace camstream::bench
