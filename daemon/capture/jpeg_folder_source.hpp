// JpegFolderSource: a folder of JPEG files played in a loop, in name order, at
// the nominal frame rate. The files pass through as they are: no decoding, no
// re-encoding. Each file is read when it is played, so memory does not grow
// with the folder: a day of snapshots costs its list of names, not its pictures.
#pragma once

#include "capture/pacer.hpp"
#include "capture/source.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

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

    // Pictures the source itself holds: at most two, the one grabbed and not
    // yet retrieved and the one read ahead, whatever the folder holds. (A
    // retrieved picture belongs to its frame, which viewers share.)
    std::size_t pictures_held() const;
    // Files skipped since the source was made: vanished, unreadable, or not a JPEG.
    std::uint64_t files_skipped() const { return files_skipped_; }

private:
    using Jpeg = std::shared_ptr<const std::vector<std::uint8_t>>;
    struct Picture {
        std::string name;  // in folder_
        Jpeg jpeg;         // null until read
    };

    // Lists the folder again, from the start; false (with a reason) when it
    // cannot be listed or holds no JPEG files.
    bool rescan(std::string& error);
    // The name of the next file in the loop, not read.
    bool take_next(Picture& out, std::string& error);
    // Reads the next file in the loop that can be read, skipping the others;
    // false when one pass over the folder found none, or it cannot be listed.
    bool read_next(Picture& out, std::string& error);
    // The file's bytes, checked to be a JPEG; null (and the skip reported) otherwise.
    Jpeg read_picture(const std::string& name);
    void report_skipped(const std::string& name, const std::string& reason);
    void log_unreported_skips(std::chrono::steady_clock::time_point now);

    std::filesystem::path folder_;
    double fps_;
    Pacer pacer_;
    cv::Size size_;
    std::unique_ptr<void, int (*)(void*)> decompressor_;  // reads JPEG headers only

    std::vector<std::string> names_;  // the folder's JPEG files, sorted, as of the last scan
    std::size_t next_ = 0;            // the next one to play
    Picture grabbed_;
    Picture read_ahead_;
    // The last picture grabbed was retrieved, so someone watches: grab() reads
    // the next file before waiting for its turn, so that the disk is never
    // between a frame's due time and its encoding (what the benchmarks
    // measure). Nobody watching, nothing is read.
    bool watched_ = false;
    // retrieve() found nothing readable: the next grab() reports the source
    // lost, so the capture thread reopens it rather than failing every frame.
    bool lost_ = false;

    // Each unreadable file is logged once (until it leaves the folder), and at
    // most a few lines per interval; the rest are summed up in one line.
    std::uint64_t files_skipped_ = 0;
    std::set<std::string> reported_;
    std::chrono::steady_clock::time_point report_interval_start_{};
    int reports_in_interval_ = 0;
    std::uint64_t unreported_ = 0;
};

}  // namespace camstream
