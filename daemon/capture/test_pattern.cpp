// The test pattern: colour bars drawn once, then per frame a moving block, the
// frame counter and the wall-clock time, so motion, freezes and latency show.
#include "capture/test_pattern.hpp"

#include "media/clock.hpp"
#include "media/sync_marker.hpp"

#include <opencv2/imgproc.hpp>

#include <array>
#include <chrono>
#include <ctime>

namespace camstream {

TestPatternSource::TestPatternSource(const SourceSettings& settings, std::optional<Duration> hang_after,
                                     const StopSignal& stop)
    : size_(settings.width, settings.height),
      fps_(settings.fps),
      pacer_(settings.fps, stop),
      sync_flash_(settings.sync_flash),
      hang_after_(hang_after),
      stop_(stop) {}

bool TestPatternSource::open(std::string& /*error*/) {
    static const std::array<cv::Scalar, 7> kBars = {
        cv::Scalar(192, 192, 192), cv::Scalar(0, 192, 192), cv::Scalar(192, 192, 0),
        cv::Scalar(0, 192, 0),     cv::Scalar(192, 0, 192), cv::Scalar(0, 0, 192),
        cv::Scalar(192, 0, 0)};
    background_.create(size_, CV_8UC3);
    const int bar_width = (size_.width + static_cast<int>(kBars.size()) - 1) / static_cast<int>(kBars.size());
    for (std::size_t i = 0; i < kBars.size(); ++i) {
        const int x = static_cast<int>(i) * bar_width;
        cv::rectangle(background_, cv::Rect(x, 0, bar_width, size_.height), kBars[i], cv::FILLED);
    }
    // A grey ramp along the bottom shows compression banding.
    const int ramp_top = size_.height * 3 / 4;
    for (int x = 0; x < size_.width; ++x) {
        const auto level = static_cast<double>(x * 255 / std::max(1, size_.width - 1));
        cv::line(background_, {x, ramp_top}, {x, size_.height - 1}, cv::Scalar::all(level));
    }
    // The caption sits just above the ramp, leaving the top of the picture to
    // viewers' own overlays. Its fixed words are drawn once, here; per frame
    // only the counter and the clock are redrawn (text is the costly part).
    text_scale_ = std::max(0.4, size_.height / 720.0 * 1.2);
    text_thickness_ = std::max(1, static_cast<int>(text_scale_ * 2));
    const int line_height = static_cast<int>(40 * text_scale_);
    const int band_height = std::min(ramp_top, line_height * 2 + 10);
    const int band_top = ramp_top - band_height;
    background_(cv::Rect(0, band_top, size_.width, band_height)).setTo(cv::Scalar::all(0));
    const std::string label = "camstream test pattern  frame ";
    cv::putText(background_, label, {10, band_top + line_height}, cv::FONT_HERSHEY_SIMPLEX, text_scale_,
                cv::Scalar(255, 255, 255), text_thickness_);
    int baseline = 0;
    const auto label_size = cv::getTextSize(label, cv::FONT_HERSHEY_SIMPLEX, text_scale_, text_thickness_, &baseline);
    counter_at_ = {10 + label_size.width, band_top + line_height};
    clock_at_ = {10, band_top + line_height * 2};
    const int first_line_bottom = band_top + line_height + baseline + text_thickness_;
    counter_area_ = cv::Rect(counter_at_.x, band_top, size_.width - counter_at_.x, first_line_bottom - band_top) &
                    cv::Rect({}, size_);
    clock_area_ = cv::Rect(0, first_line_bottom, size_.width, band_top + band_height - first_line_bottom) &
                  cv::Rect({}, size_);
    return true;
}

bool TestPatternSource::grab() {
    if (hang_after_ && !hang_at_) hang_at_ = std::chrono::steady_clock::now() + *hang_after_;
    if (hang_at_ && std::chrono::steady_clock::now() >= *hang_at_) {
        stop_.wait();
        return false;
    }
    if (!pacer_.wait()) return false;
    ++frames_grabbed_;
    // The frame's capture time, and what decides whether it flashes.
    grabbed_us_ = wall_clock_us();
    return true;
}

bool TestPatternSource::retrieve(SourceImage& out) {
    // Only the moving block and the text band change between frames: restore and
    // redraw just those, rather than copying the whole background every frame.
    cv::Mat& image = canvas_;
    if (image.empty() || flashed_) background_.copyTo(image);
    if (!block_.empty()) background_(block_).copyTo(image(block_));
    flashed_ = sync_flash_ && in_sync_flash(grabbed_us_);
    if (flashed_) {
        // Everything above the caption: a viewer (or a test) sees it at a glance.
        image(cv::Rect(0, 0, size_.width, std::max(1, counter_area_.y))).setTo(cv::Scalar::all(255));
    }

    const int block = std::max(8, size_.height / 6);
    const int travel = std::max(1, size_.width - block);
    const auto step = static_cast<int>((frames_grabbed_ * 8) % static_cast<std::uint64_t>(2 * travel));
    const int x = step < travel ? step : 2 * travel - step;
    block_ = cv::Rect(x, size_.height / 2 - block / 2, block, block) & cv::Rect({}, size_);
    image(block_).setTo(cv::Scalar(255, 255, 255));

    const auto now = std::chrono::system_clock::now();
    const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
    const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(
                            now.time_since_epoch()).count() % 1000;
    std::tm local{};
    localtime_r(&seconds, &local);
    std::array<char, 64> clock_text{};
    const auto length = std::strftime(clock_text.data(), clock_text.size(), "%Y-%m-%d %H:%M:%S", &local);
    std::snprintf(clock_text.data() + length, clock_text.size() - length, ".%03lld",
                  static_cast<long long>(millis));

    background_(counter_area_).copyTo(image(counter_area_));
    background_(clock_area_).copyTo(image(clock_area_));
    cv::putText(image, std::to_string(frames_grabbed_), counter_at_, cv::FONT_HERSHEY_SIMPLEX, text_scale_,
                cv::Scalar(255, 255, 255), text_thickness_);
    cv::putText(image, clock_text.data(), clock_at_, cv::FONT_HERSHEY_SIMPLEX, text_scale_, cv::Scalar(0, 255, 255),
                text_thickness_);
    // Shares the canvas: the capture thread encodes it before the next retrieve().
    out.pixels = image;
    return true;
}

std::string TestPatternSource::describe() const {
    return "testpattern " + std::to_string(size_.width) + "x" + std::to_string(size_.height);
}

}  // namespace camstream
