// camstream-bench-encode: scenario 4. For each picture size, times the daemon's
// capture + encode path against raw TurboJPEG on the same test-pattern frames,
// several repetitions with the paths interleaved frame by frame (so a noisy
// neighbour hurts all alike), and prints the medians and ratios as one JSON line.
#include "encode_paths.hpp"
#include "json_writer.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <vector>

namespace {

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    const auto middle = values.size() / 2;
    return values.size() % 2 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"camstream-bench-encode: the daemon's capture+encode path against raw TurboJPEG"};
    std::vector<std::string> sizes{"640x480", "1280x720", "1920x1080"};
    int frames = 30;
    int repetitions = 5;
    int quality = 80;
    app.add_option("--sizes", sizes, "picture sizes, WIDTHxHEIGHT")->delimiter(',');
    app.add_option("--frames", frames, "frames per timed pass")->check(CLI::Range(1, 1000));
    app.add_option("--repetitions", repetitions, "timed passes per path; the median is reported")
        ->check(CLI::Range(1, 50));
    app.add_option("--quality", quality, "JPEG quality, as encoder.jpeg_quality")->check(CLI::Range(1, 100));
    CLI11_PARSE(app, argc, argv);

    camstream::bench::JsonObject by_size;
    try {
        for (const auto& size : sizes) {
            int width = 0;
            int height = 0;
            if (std::sscanf(size.c_str(), "%dx%d", &width, &height) != 2 || width < 16 || height < 16) {
                std::cerr << "camstream-bench-encode: bad size '" << size << "'\n";
                return 1;
            }
            const auto pictures = camstream::bench::render_test_pattern(width, height, frames);
            camstream::bench::time_one_pass(pictures, quality);  // untimed: warms caches and allocations
            std::vector<double> raw, encoder, capture, retrieve;
            camstream::bench::PassTiming pass;
            for (int repetition = 0; repetition < repetitions; ++repetition) {
                pass = camstream::bench::time_one_pass(pictures, quality);
                raw.push_back(pass.raw_turbojpeg_fps);
                encoder.push_back(pass.daemon_encoder_fps);
                capture.push_back(pass.daemon_capture_encode_fps);
                retrieve.push_back(pass.retrieve_fps);
            }
            camstream::bench::JsonObject result;
            result.add("raw_turbojpeg_fps", median(raw))
                .add("daemon_encoder_fps", median(encoder))
                .add("daemon_capture_encode_fps", median(capture))
                .add("retrieve_only_fps", median(retrieve))
                .add("ratio_encoder", median(encoder) / median(raw))
                .add("ratio_capture_encode", median(capture) / median(raw))
                .add("raw_jpeg_bytes", static_cast<std::uint64_t>(pass.raw_jpeg_bytes))
                .add("daemon_jpeg_bytes", static_cast<std::uint64_t>(pass.daemon_jpeg_bytes));
            by_size.add(size, result);
        }
    } catch (const std::exception& error) {
        std::cerr << "camstream-bench-encode: " << error.what() << "\n";
        return 1;
    }
    camstream::bench::JsonObject out;
    out.add("tool", "camstream-bench-encode")
        .add("quality", quality)
        .add("frames", frames)
        .add("repetitions", repetitions)
        .add("sizes", by_size);
    std::cout << out.str() << std::endl;
    return 0;
}
