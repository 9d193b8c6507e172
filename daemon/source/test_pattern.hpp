// TestPatternSource: a synthetic moving picture, so camstream runs without a camera.
#pragma once

#include "pacer.hpp"
#include "source.hpp"

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

private:
    cv::Size size_;
    double fps_;
    Pacer pacer_;
    cv::Mat background_;
    std::uint64_t frames_grabbed_ = 0;
};

}  // namespace camstream
