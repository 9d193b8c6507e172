// FileSource: see file_source.hpp.
#include "file_source.hpp"

#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <fstream>
#include <iterator>

namespace camstream {

namespace {

bool is_jpeg_name(const std::filesystem::path& path) {
    auto extension = path.extension().string();
    std::transform(extension.begin(), extension.end(), extension.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return extension == ".jpg" || extension == ".jpeg";
}

}  // namespace

FileSource::FileSource(const SourceSettings& settings)
    : path_(settings.uri.substr(std::string_view("file:").size())),
      fps_(settings.fps),
      pacer_(settings.fps) {}

bool FileSource::open(std::string& error) {
    std::error_code ec;
    if (std::filesystem::is_directory(path_, ec)) return open_folder(error);
    if (!std::filesystem::exists(path_, ec)) {
        error = path_.string() + ": no such file or folder";
        return false;
    }
    return open_video(error);
}

bool FileSource::open_folder(std::string& error) {
    std::vector<std::filesystem::path> names;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(path_, ec)) {
        if (entry.is_regular_file() && is_jpeg_name(entry.path())) names.push_back(entry.path());
    }
    std::sort(names.begin(), names.end());
    jpegs_.clear();
    for (const auto& name : names) {
        std::ifstream file(name, std::ios::binary);
        std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(file)), {});
        if (bytes.size() < 4 || bytes[0] != 0xFF || bytes[1] != 0xD8) {
            error = name.string() + ": not a JPEG file";
            return false;
        }
        jpegs_.push_back(std::move(bytes));
    }
    if (jpegs_.empty()) {
        error = path_.string() + ": folder holds no .jpg or .jpeg files";
        return false;
    }
    // The stream info announces the first picture's size; the set is expected to share it.
    const cv::Mat full = cv::imdecode(jpegs_.front(), cv::IMREAD_COLOR);
    if (full.empty()) {
        error = names.front().string() + ": cannot decode JPEG";
        return false;
    }
    size_ = full.size();
    next_jpeg_ = 0;
    return true;
}

bool FileSource::open_video(std::string& error) {
    video_.release();
    if (!video_.open(path_.string())) {
        error = path_.string() + ": cannot open as a video";
        return false;
    }
    size_ = cv::Size(static_cast<int>(video_.get(cv::CAP_PROP_FRAME_WIDTH)),
                     static_cast<int>(video_.get(cv::CAP_PROP_FRAME_HEIGHT)));
    if (size_.area() <= 0) {
        error = path_.string() + ": video has no picture size";
        return false;
    }
    return true;
}

bool FileSource::grab() {
    pacer_.wait();
    if (!jpegs_.empty()) {
        current_jpeg_ = next_jpeg_;
        next_jpeg_ = (next_jpeg_ + 1) % jpegs_.size();
        return true;
    }
    if (video_.grab()) return true;
    // End of the file: loop from the start.
    video_.set(cv::CAP_PROP_POS_FRAMES, 0);
    return video_.grab();
}

bool FileSource::retrieve(SourceImage& out) {
    if (!jpegs_.empty()) {
        out.jpeg = jpegs_[current_jpeg_];
        return true;
    }
    return video_.retrieve(out.pixels) && !out.pixels.empty();
}

}  // namespace camstream
