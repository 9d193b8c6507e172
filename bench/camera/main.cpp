// camstream-bench-camera: issue 9. One run of one camera path (camera_paths.hpp)
// against a V4L2 device, normally the fake one (bench/camera/run preloads it):
// warm-up frames, then counted frames, each timed in CPU time of the capture
// work alone; prints one JSON line with the per-frame figures.
#include "camera_paths.hpp"
#include "json_writer.hpp"
#include "service/logging.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <iostream>
#include <numeric>
#include <vector>

namespace {

using camstream::bench::FrameCost;
using camstream::bench::JsonObject;

// Quantile of sorted values by the nearest rank.
double quantile(const std::vector<double>& sorted, double q) {
    const auto rank = static_cast<std::size_t>(q * static_cast<double>(sorted.size() - 1) + 0.5);
    return sorted[std::min(rank, sorted.size() - 1)];
}

// Microseconds of one field over the counted frames.
JsonObject spread_us(const std::vector<FrameCost>& frames, const std::function<std::int64_t(const FrameCost&)>& field) {
    std::vector<double> values;
    values.reserve(frames.size());
    for (const auto& frame : frames) values.push_back(static_cast<double>(field(frame)) / 1000.0);
    std::sort(values.begin(), values.end());
    const double sum = std::accumulate(values.begin(), values.end(), 0.0);
    const auto middle = values.size() / 2;
    const double median =
        values.size() % 2 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    JsonObject out;
    out.add("mean", sum / static_cast<double>(values.size()))
        .add("median", median)
        .add("p90", quantile(values, 0.9))
        .add("min", values.front())
        .add("max", values.back());
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"camstream-bench-camera: the capture thread's CPU per frame for one V4L2 camera path"};
    camstream::bench::CameraRunSettings settings;
    std::string path_name;
    std::string size = "1280x720";
    app.add_option("--device", settings.device, "V4L2 device node (the fake one under LD_PRELOAD)")->required();
    app.add_option("--path", path_name, "mjpeg-passthrough, mjpeg-decode-encode, yuyv-planes or yuyv-bgr")
        ->required();
    app.add_option("--size", size, "picture size asked of the camera, WIDTHxHEIGHT")->capture_default_str();
    app.add_option("--fps", settings.fps, "frame rate asked of the camera")
        ->check(CLI::Range(1, 240))
        ->capture_default_str();
    app.add_option("--warmup", settings.warmup_frames, "frames made before counting")
        ->check(CLI::Range(0, 1000))
        ->capture_default_str();
    app.add_option("--frames", settings.frames, "frames counted")->check(CLI::Range(1, 10000))->capture_default_str();
    app.add_option("--quality", settings.quality, "JPEG quality, as encoder.jpeg_quality")
        ->check(CLI::Range(1, 100))
        ->capture_default_str();
    CLI11_PARSE(app, argc, argv);

    const auto path = camstream::bench::camera_path_from_name(path_name);
    if (!path) {
        std::cerr << "camstream-bench-camera: unknown --path '" << path_name << "'\n";
        return 1;
    }
    settings.path = *path;
    if (std::sscanf(size.c_str(), "%dx%d", &settings.width, &settings.height) != 2 || settings.width < 16 ||
        settings.height < 16) {
        std::cerr << "camstream-bench-camera: bad size '" << size << "'\n";
        return 1;
    }
    // The source's log lines go to stderr, so stdout holds the JSON line alone.
    camstream::setup_logging(false);
    camstream::set_log_level("warn");

    camstream::bench::CameraRun run;
    try {
        run = camstream::bench::measure_camera_path(settings);
    } catch (const std::exception& error) {
        std::cerr << "camstream-bench-camera: " << error.what() << "\n";
        return 1;
    }
    std::vector<double> bytes;
    for (const auto& frame : run.frames) bytes.push_back(static_cast<double>(frame.jpeg_bytes));
    std::sort(bytes.begin(), bytes.end());

    JsonObject out;
    out.add("tool", "camstream-bench-camera")
        .add("path", camstream::bench::camera_path_name(settings.path))
        .add("format", camstream::bench::camera_path_format(settings.path))
        .add("device", settings.device)
        .add("size", size)
        .add("granted_fps", run.granted_fps)
        .add("quality", settings.quality)
        .add("warmup_frames", settings.warmup_frames)
        .add("frames", static_cast<std::uint64_t>(run.frames.size()))
        .add("frames_encoded", run.frames_encoded)
        .add("frames_broken", run.frames_broken)
        .add("wall_s", run.wall_seconds)
        .add("clock_read_ns", run.clock_read_ns)
        .add("cpu_us", spread_us(run.frames, [](const FrameCost& f) { return f.total_ns; }))
        .add("grab_us", spread_us(run.frames, [](const FrameCost& f) { return f.grab_ns; }))
        .add("retrieve_us", spread_us(run.frames, [](const FrameCost& f) { return f.retrieve_ns; }))
        .add("make_us", spread_us(run.frames, [](const FrameCost& f) { return f.make_ns; }))
        .add("jpeg_bytes_median", quantile(bytes, 0.5));
    std::cout << out.str() << std::endl;
    return 0;
}
