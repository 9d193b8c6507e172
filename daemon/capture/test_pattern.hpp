// TestPatternSource: a synthetic moving picture, so camstream runs without a camera.
#pragma once

#include "capture/pacer.hpp"
#include "capture/source.hpp"

#include <condition_variable>
#include <mutex>
#include <optional>

namespace camstream {

class TestPatternSource final : public Source {
public:
    explicit TestPatternSource(const SourceSettings& settings);

    bool open(std::string& error) override;
    bool grab() override;
    bool retrieve(SourceImage& out) override;
    cv::Size size() const override { return size_; }
    double fps() const override { return fps_; }
    std::string describe() const override;
    void interrupt() override;

private:
    // Blocks like a hung camera read until interrupt(); see test_pattern_hang_after().
    void hang();

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

    std::optional<Duration> hang_after_;
    std::optional<std::chrono::steady_clock::time_point> hang_at_;
    std::mutex hang_mutex_;
    std::condition_variable hang_signal_;
    bool interrupted_ = false;
};

}  // namespace camstream
