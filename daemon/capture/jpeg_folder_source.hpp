// JpegFolderSource: a folder of JPEG files played in a loop at the nominal frame
// rate. The files pass through as they are: no decoding, no re-encoding.
#pragma once

#include "capture/pacer.hpp"
#include "capture/source.hpp"

#include <filesystem>

namespace camstream {

class JpegFolderSource final : public Source {
public:
    JpegFolderSource(std::filesystem::path folder, const SourceSettings& settings, const StopSignal& stop);

    bool open(std::string& error) override;
    bool grab() override;
    bool retrieve(SourceImage& out) override;
    cv::Size size() const override { return size_; }
    double fps() const override { return fps_; }
    std::string describe() const override { return "file:" + folder_.string(); }

private:
    std::filesystem::path folder_;
    double fps_;
    Pacer pacer_;
    cv::Size size_;
    // Loaded once: a benchmark set must not measure the disk.
    std::vector<std::shared_ptr<const std::vector<std::uint8_t>>> jpegs_;
    std::size_t next_ = 0;
    std::size_t current_ = 0;
};

}  // namespace camstream
