// JpegFolderSource: see jpeg_folder_source.hpp.
#include "capture/jpeg_folder_source.hpp"

#include <turbojpeg.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <memory>

namespace camstream {
namespace {

bool is_jpeg_name(const std::filesystem::path& path) {
    auto extension = path.extension().string();
    std::transform(extension.begin(), extension.end(), extension.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return extension == ".jpg" || extension == ".jpeg";
}

// The picture size from the JPEG header alone, without decoding the image.
bool jpeg_size(const std::vector<std::uint8_t>& jpeg, cv::Size& size) {
    const std::unique_ptr<void, int (*)(tjhandle)> handle(tjInitDecompress(), tjDestroy);
    int width = 0;
    int height = 0;
    int subsampling = 0;
    int colorspace = 0;
    if (!handle || tjDecompressHeader3(handle.get(), jpeg.data(), static_cast<unsigned long>(jpeg.size()), &width,
                                       &height, &subsampling, &colorspace) != 0) {
        return false;
    }
    size = cv::Size(width, height);
    return true;
}

}  // namespace

JpegFolderSource::JpegFolderSource(std::filesystem::path folder, const SourceSettings& settings, const StopSignal& stop)
    : folder_(std::move(folder)), fps_(settings.fps), pacer_(settings.fps, stop) {}

bool JpegFolderSource::open(std::string& error) {
    std::vector<std::filesystem::path> names;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(folder_, ec)) {
        if (entry.is_regular_file() && is_jpeg_name(entry.path())) names.push_back(entry.path());
    }
    if (ec) {
        error = folder_.string() + ": " + ec.message();
        return false;
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
        jpegs_.push_back(std::make_shared<const std::vector<std::uint8_t>>(std::move(bytes)));
    }
    if (jpegs_.empty()) {
        error = folder_.string() + ": folder holds no .jpg or .jpeg files";
        return false;
    }
    // The stream info announces the first picture's size; the set is expected to share it.
    if (!jpeg_size(*jpegs_.front(), size_)) {
        error = names.front().string() + ": cannot read the JPEG header";
        return false;
    }
    next_ = 0;
    return true;
}

bool JpegFolderSource::grab() {
    if (!pacer_.wait()) return false;
    current_ = next_;
    next_ = (next_ + 1) % jpegs_.size();
    return true;
}

bool JpegFolderSource::retrieve(SourceImage& out) {
    out.jpeg = jpegs_[current_];
    return true;
}

}  // namespace camstream
