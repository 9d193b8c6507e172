// Encode paths: see encode_paths.hpp.
#include "encode_paths.hpp"

#include "encode/jpeg_encoder.hpp"
#include "capture/test_pattern.hpp"

#include <turbojpeg.h>

#include <chrono>
#include <memory>
#include <stdexcept>

namespace camstream::bench {
namespace {

using Clock = std::chrono::steady_clock;

SourceSettings pattern_settings(int width, int height) {
    SourceSettings settings;
    settings.uri = "testpattern";
    settings.width = width;
    settings.height = height;
    // Only for rendering the reference frames: grab() then waits 1 ms, not 33.
    settings.fps = 1000;
    return settings;
}

double frames_per_second(std::size_t frames, Clock::duration elapsed) {
    return static_cast<double>(frames) / std::chrono::duration<double>(elapsed).count();
}

}  // namespace

std::vector<cv::Mat> render_test_pattern(int width, int height, int count) {
    const StopSignal never_stopped;
    TestPatternSource source(pattern_settings(width, height), std::nullopt, never_stopped);
    std::string error;
    if (!source.open(error)) throw std::runtime_error("test pattern: " + error);
    std::vector<cv::Mat> frames;
    for (int i = 0; i < count; ++i) {
        source.grab();
        SourceImage image;
        source.retrieve(image);
        frames.push_back(image.pixels.clone());
    }
    return frames;
}

PassTiming time_one_pass(const std::vector<cv::Mat>& frames, int quality) {
    const auto& first = frames.front();
    // Raw TurboJPEG: its own handle, one reused output buffer, no copies.
    const auto deleter = [](void* handle) { tjDestroy(handle); };
    std::unique_ptr<void, decltype(deleter)> handle(tjInitCompress(), deleter);
    const auto capacity = tjBufSize(first.cols, first.rows, TJSAMP_420);
    std::unique_ptr<unsigned char, decltype(&tjFree)> buffer(tjAlloc(static_cast<int>(capacity)), &tjFree);
    // The daemon: its encoder, and a test-pattern source as CaptureThread drives it.
    JpegEncoder encoder;
    const StopSignal never_stopped;
    TestPatternSource source(pattern_settings(first.cols, first.rows), std::nullopt, never_stopped);
    std::string error;
    if (!source.open(error)) throw std::runtime_error("test pattern: " + error);
    source.grab();  // once, untimed: retrieve() needs a grabbed frame
    SourceImage image;  // reused across frames, as CaptureThread's image_

    Clock::duration raw{}, daemon_encoder{}, capture_encode{}, retrieve{};
    PassTiming timing;
    const auto time_raw = [&](const cv::Mat& frame) {
        const auto t0 = Clock::now();
        unsigned char* destination = buffer.get();
        unsigned long size = capacity;
        if (tjCompress2(handle.get(), frame.data, frame.cols, static_cast<int>(frame.step), frame.rows, TJPF_BGR,
                        &destination, &size, TJSAMP_420, quality, TJFLAG_FASTDCT | TJFLAG_NOREALLOC) != 0) {
            throw std::runtime_error(std::string("tjCompress2: ") + tjGetErrorStr2(handle.get()));
        }
        raw += Clock::now() - t0;
        timing.raw_jpeg_bytes = size;
    };
    const auto time_encoder = [&](const cv::Mat& frame) {
        std::vector<std::uint8_t> jpeg;  // each frame owns a fresh vector, as in CaptureThread
        const auto t0 = Clock::now();
        if (!encoder.encode(frame, quality, jpeg)) throw std::runtime_error("JpegEncoder: " + encoder.last_error());
        daemon_encoder += Clock::now() - t0;
        timing.daemon_jpeg_bytes = jpeg.size();
    };
    bool raw_first = true;
    for (const auto& frame : frames) {
        // Whichever path reads a frame second finds it in the cache: take turns.
        if (raw_first) {
            time_raw(frame);
            time_encoder(frame);
        } else {
            time_encoder(frame);
            time_raw(frame);
        }
        raw_first = !raw_first;
        {
            std::vector<std::uint8_t> jpeg;
            const auto t0 = Clock::now();
            image.jpeg.reset();
            if (!source.retrieve(image)) throw std::runtime_error("test pattern: retrieve failed");
            const auto retrieved = Clock::now();
            if (!encoder.encode(image.pixels, quality, jpeg)) {
                throw std::runtime_error("JpegEncoder: " + encoder.last_error());
            }
            const auto t1 = Clock::now();
            capture_encode += t1 - t0;
            retrieve += retrieved - t0;
        }
    }
    timing.raw_turbojpeg_fps = frames_per_second(frames.size(), raw);
    timing.daemon_encoder_fps = frames_per_second(frames.size(), daemon_encoder);
    timing.daemon_capture_encode_fps = frames_per_second(frames.size(), capture_encode);
    timing.retrieve_fps = frames_per_second(frames.size(), retrieve);
    return timing;
}

}  // namespace camstream::bench
