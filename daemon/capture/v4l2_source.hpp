// V4l2Source: a V4L2 camera (a USB webcam, or any capture node) as a Source.
//
// MJPEG frames are checked whole and passed on as the camera made them (with
// the standard Huffman tables put back when the camera left them out); YUYV,
// NV12 and YU12 frames are handed on as planes for the encoder to take as
// they are. A camera that vanishes fails grab(); the capture thread reopens
// it, and the path (a /dev/v4l/by-id/ link) is followed again each time.
#pragma once

#include "capture/source.hpp"
#include "capture/v4l2_device.hpp"

namespace camstream {

class V4l2Source final : public Source {
public:
    V4l2Source(std::string path, const SourceSettings& settings, const StopSignal& stop);

    bool open(std::string& error) override;
    bool grab() override;
    bool retrieve(SourceImage& out) override;
    cv::Size size() const override { return {granted_.width, granted_.height}; }
    double fps() const override { return granted_.fps > 0 ? granted_.fps : settings_.fps; }
    std::string describe() const override { return "v4l2:" + path_; }
    std::int64_t captured_us() const override { return captured_us_; }
    std::uint64_t frames_broken() const override { return frames_broken_; }

private:
    std::uint32_t choose_format(const std::vector<V4l2Format>& offered) const;
    bool frame_is_whole() const;

    std::string path_;
    SourceSettings settings_;
    const StopSignal& stop_;
    V4l2Device device_;
    V4l2Mode granted_;
    bool logged_mode_ = false;
    std::int64_t captured_us_ = 0;
    std::uint64_t frames_broken_ = 0;
};

}  // namespace camstream
