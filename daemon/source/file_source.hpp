// FileSource: a video file, or a folder of JPEG files, played in a loop at the
// nominal frame rate. JPEG files pass through without re-encoding.
#pragma once

#include "pacer.hpp"
#include "source.hpp"

#include <opencv2/videoio.hpp>

#include <filesystem>

namespace camstream {

class FileSource final : public Source {
public:
    explicit FileSource(const SourceSettings& settings);

    bool open(std::string& error) override;
    bool grab() override;
    bool retrieve(SourceImage& out) override;
    cv::Size size() const override { return size_; }
    double fps() const override { return fps_; }
    std::string describe() const override { return "file:" + path_.string(); }

private:
    bool open_folder(std::string& error);
    bool open_video(std::string& error);

    std::filesystem::path path_;
    double fps_;
    Pacer pacer_;
    cv::Size size_;
    // Folder mode: the JPEG files, loaded once (a benchmark set must not measure the disk).
    std::vector<std::vector<std::uint8_t>> jpegs_;
    std::size_t next_jpeg_ = 0;
    std::size_t current_jpeg_ = 0;
    // Video mode.
    cv::VideoCapture video_;
};

}  // namespace camstream
