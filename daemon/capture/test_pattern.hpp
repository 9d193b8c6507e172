// TestPatternSource: a synthetic moving picture, so camstream runs without a camera.
#pragma once

#include "capture/pacer.hpp"
#include "capture/source.hpp"

#include <optional>

namespace camstream {

class TestPatternSource final : public Source {
public:
    TestPatternSource(const SourceSettings& settings, std::optional<Duration> hang_after, const StopSignal& stop);

    bool open(std::string& error) override;
    bool grab() override;
    bool retrieve(SourceImage& out) override;
    cv::Size size() const override { return size_; }
    double fps() const override { return fps_; }
    std::string describe() const override;
    std::int64_t captured_us() const override { return grabbed_us_; }

private:

    cv::Size size_;
    double fps_;
    Pacer pacer_;
    cv::Mat background_;
    cv::Mat canvas_;
    cv::Rect block_;  // where the moving block was drawn last
    // The caption's layout, fixed at open().
    double text_scale_ = 1.0;
    int text_thickness_ = 1;
    cv::Point counter_at_;
    cv::Point clock_at_;
    cv::Rect counter_area_;
    cv::Rect clock_area_;
    std::uint64_t frames_grabbed_ = 0;
    std::int64_t grabbed_us_ = 0;
    // With a tone as audio: the picture flashes white as the tone beeps (media/sync_marker.hpp).
    bool sync_flash_ = false;
    bool flashed_ = false;  // the last frame was a flash: redraw everything

    // testpattern:hang-after=DURATION: grab() then blocks like a hung camera
    // read, until the capture thread is asked to stop.
    std::optional<Duration> hang_after_;
    std::optional<std::chrono::steady_clock::time_point> hang_at_;
    const StopSignal& stop_;
};

}  // namespace camstream
