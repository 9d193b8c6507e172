// GStreamerSource: a GStreamer pipeline as a Source. On a Raspberry Pi this is
// how a Camera Module is read (libcamera only, no V4L2 capture node of its
// own): gstreamer:libcamerasrc ! video/x-raw,width=1280,height=720,...
//
// GStreamer's appsink API directly, not OpenCV's GStreamer backend: OpenCV
// waits without a bound for a pipeline to start and for each frame (a pipeline
// that cannot start hangs it for good), whereas every wait here is bounded and
// honours the capture thread's stop; and the camera's YUV planes reach the
// encoder as they are, where OpenCV would convert them to BGR first. It is a
// module of its own (camstream_gstreamer_source.so), loaded only when used.
#pragma once

#include "capture/source.hpp"

#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/video/video.h>

namespace camstream {

class GStreamerSource final : public Source {
public:
    GStreamerSource(std::string pipeline, const SourceSettings& settings, const StopSignal& stop);
    ~GStreamerSource() override;

    bool open(std::string& error) override;
    bool grab() override;
    bool retrieve(SourceImage& out) override;
    cv::Size size() const override { return {GST_VIDEO_INFO_WIDTH(&info_), GST_VIDEO_INFO_HEIGHT(&info_)}; }
    double fps() const override { return fps_; }
    std::string describe() const override { return "gstreamer:" + pipeline_; }
    std::int64_t captured_us() const override { return captured_us_; }

    // The pipeline as given, ending in our appsink (YUV as the camera gives it
    // when it can: videoconvert passes I420, NV12 and YUY2 through untouched).
    static std::string with_sink(const std::string& pipeline);

private:
    enum class Pull { sample, timeout, stopped, failed };
    Pull pull(GstClockTime timeout, std::string& error);
    bool bus_error(std::string& error);
    void release_sample();
    void close();

    std::string pipeline_;
    double fps_;
    const StopSignal& stop_;
    GstElement* bin_ = nullptr;
    GstAppSink* sink_ = nullptr;
    GstSample* sample_ = nullptr;  // the frame grabbed last, mapped in frame_
    GstVideoFrame frame_{};
    bool mapped_ = false;
    GstVideoInfo info_{};
    bool first_ = false;  // open() pulled a frame that grab() has not handed on yet
    std::int64_t captured_us_ = 0;
};

}  // namespace camstream

extern "C" camstream::Source* camstream_make_gstreamer_source(const char* pipeline,
                                                             const camstream::SourceSettings* settings,
                                                             const camstream::StopSignal* stop);
