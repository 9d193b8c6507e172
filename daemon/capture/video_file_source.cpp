// VideoFileSource: see video_file_source.hpp.
#include "capture/video_file_source.hpp"

namespace camstream {

VideoFileSource::VideoFileSource(std::string path, const SourceSettings& settings, const StopSignal& stop)
    : path_(std::move(path)), fps_(settings.fps), pacer_(settings.fps, stop) {}

bool VideoFileSource::open(std::string& error) {
    video_.release();
    if (!video_.open(path_)) {
        error = path_ + ": cannot open as a video";
        return false;
    }
    size_ = cv::Size(static_cast<int>(video_.get(cv::CAP_PROP_FRAME_WIDTH)),
                     static_cast<int>(video_.get(cv::CAP_PROP_FRAME_HEIGHT)));
    if (size_.area() <= 0) {
        error = path_ + ": video has no picture size";
        return false;
    }
    return true;
}

bool VideoFileSource::grab() {
    if (!pacer_.wait()) return false;
    if (video_.grab()) return true;
    // End of the file: loop from the start.
    video_.set(cv::CAP_PROP_POS_FRAMES, 0);
    return video_.grab();
}

bool VideoFileSource::retrieve(SourceImage& out) { return video_.retrieve(out.pixels) && !out.pixels.empty(); }

}  // namespace camstream

extern "C" camstream::Source* camstream_make_video_source(const char* path,
                                                         const camstream::SourceSettings* settings,
                                                         const camstream::StopSignal* stop) {
    return new camstream::VideoFileSource(path, *settings, *stop);
}
