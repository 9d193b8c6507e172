// VideoFileSource: a video file decoded with OpenCV's videoio, played in a loop
// at the nominal frame rate.
//
// It is built as a loadable module (camstream_video_source.so): videoio drags
// in FFmpeg, GDAL and some 200 more libraries, ~50 MiB of resident memory that
// a daemon streaming the test pattern, a JPEG folder or (later) a V4L2 camera
// should not pay. make_source() loads the module only for video files.
#pragma once

#include "capture/pacer.hpp"
#include "capture/source.hpp"

#include <opencv2/videoio.hpp>

namespace camstream {

class VideoFileSource final : public Source {
public:
    VideoFileSource(std::string path, const SourceSettings& settings, const StopSignal& stop);

    bool open(std::string& error) override;
    bool grab() override;
    bool retrieve(SourceImage& out) override;
    cv::Size size() const override { return size_; }
    double fps() const override { return fps_; }
    std::string describe() const override { return "file:" + path_; }

private:
    std::string path_;
    double fps_;
    Pacer pacer_;
    cv::Size size_;
    cv::VideoCapture video_;
};

}  // namespace camstream

// The module's one entry point, looked up with dlsym() by make_source().
extern "C" camstream::Source* camstream_make_video_source(const char* path,
                                                         const camstream::SourceSettings* settings,
                                                         const camstream::StopSignal* stop);
