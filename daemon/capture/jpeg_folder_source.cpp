// JpegFolderSource: see jpeg_folder_source.hpp.
#include "capture/jpeg_folder_source.hpp"

#include "wire.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <turbojpeg.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace camstream {
namespace {

// The log of skipped files: this many lines per interval, then one summary.
constexpr auto kReportInterval = std::chrono::seconds(10);
constexpr int kReportsPerInterval = 5;

bool is_jpeg_name(const std::filesystem::path& path) {
    auto extension = path.extension().string();
    std::transform(extension.begin(), extension.end(), extension.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return extension == ".jpg" || extension == ".jpeg";
}

class FileDescriptor {
public:
    explicit FileDescriptor(int fd) : fd_(fd) {}
    ~FileDescriptor() {
        if (fd_ >= 0) ::close(fd_);
    }
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    int get() const { return fd_; }

private:
    int fd_;
};

// The whole file, or why not. A file larger than a frame may be is refused
// before it is read, so one stray video renamed .jpg cannot take the memory.
bool read_whole_file(const std::filesystem::path& path, std::vector<std::uint8_t>& bytes, std::string& why) {
    const FileDescriptor file(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
    if (file.get() < 0) {
        why = errno == ENOENT ? "it vanished" : std::strerror(errno);
        return false;
    }
    struct stat status {};
    if (::fstat(file.get(), &status) != 0) {
        why = std::strerror(errno);
        return false;
    }
    if (!S_ISREG(status.st_mode)) {
        why = "not a regular file";
        return false;
    }
    const auto size = static_cast<std::uint64_t>(status.st_size);
    if (size > wire::kMaxPayloadLength) {
        why = "larger than a frame may be (" + std::to_string(wire::kMaxPayloadLength >> 20) + " MiB)";
        return false;
    }
    bytes.resize(size);
    std::size_t filled = 0;
    while (filled < bytes.size()) {
        const auto count = ::read(file.get(), bytes.data() + filled, bytes.size() - filled);
        if (count < 0 && errno == EINTR) continue;
        if (count < 0) {
            why = std::strerror(errno);
            return false;
        }
        if (count == 0) break;  // it shrank while we read: keep what it has now
        filled += static_cast<std::size_t>(count);
    }
    bytes.resize(filled);
    return true;
}

}  // namespace

JpegFolderSource::JpegFolderSource(std::filesystem::path folder, const SourceSettings& settings, const StopSignal& stop)
    : folder_(std::move(folder)), fps_(settings.fps), pacer_(settings.fps, stop),
      decompressor_(tjInitDecompress(), tjDestroy) {}

bool JpegFolderSource::open(std::string& error) {
    grabbed_ = {};
    read_ahead_ = {};
    watched_ = false;
    lost_ = false;
    if (!decompressor_) {
        error = std::string("cannot start the JPEG decompressor: ") + tjGetErrorStr2(nullptr);
        return false;
    }
    if (!rescan(error)) return false;
    // The stream info announces the first playable picture's size; the set is
    // expected to share it. It is played first, already read.
    if (!read_next(read_ahead_, error)) {
        if (error.empty()) error = folder_.string() + ": none of its .jpg or .jpeg files could be read as a JPEG";
        return false;
    }
    int width = 0;
    int height = 0;
    int subsampling = 0;
    int colorspace = 0;
    tjDecompressHeader3(decompressor_.get(), read_ahead_.jpeg->data(),
                        static_cast<unsigned long>(read_ahead_.jpeg->size()), &width, &height, &subsampling,
                        &colorspace);  // read_picture() checked that it succeeds
    size_ = cv::Size(width, height);
    return true;
}

bool JpegFolderSource::grab() {
    log_unreported_skips(std::chrono::steady_clock::now());
    std::string error;
    if (lost_) {
        lost_ = false;
        return false;
    }
    if (watched_ && !read_ahead_.jpeg && !read_next(read_ahead_, error)) return false;
    if (!pacer_.wait()) return false;
    if (read_ahead_.jpeg) {
        grabbed_ = std::move(read_ahead_);
        read_ahead_ = {};
    } else if (!take_next(grabbed_, error)) {
        return false;
    }
    watched_ = false;
    return true;
}

bool JpegFolderSource::retrieve(SourceImage& out) {
    std::string error;
    if (!grabbed_.jpeg) {
        if (grabbed_.name.empty()) return false;
        grabbed_.jpeg = read_picture(grabbed_.name);
        // Unreadable: the next one that can be read takes its turn.
        if (!grabbed_.jpeg && !read_next(grabbed_, error)) {
            lost_ = true;
            return false;
        }
    }
    out.jpeg = std::move(grabbed_.jpeg);
    grabbed_.jpeg = nullptr;
    watched_ = true;
    return true;
}

std::size_t JpegFolderSource::pictures_held() const {
    return (grabbed_.jpeg ? 1 : 0) + (read_ahead_.jpeg ? 1 : 0);
}

bool JpegFolderSource::rescan(std::string& error) {
    std::vector<std::string> names;
    std::error_code ec;
    for (std::filesystem::directory_iterator entry(folder_, ec), end; !ec && entry != end; entry.increment(ec)) {
        std::error_code type_ec;
        if (entry->is_regular_file(type_ec) && is_jpeg_name(entry->path())) {
            names.push_back(entry->path().filename().string());
        }
    }
    if (ec) {
        error = folder_.string() + ": " + ec.message();
        return false;
    }
    if (names.empty()) {
        error = folder_.string() + ": folder holds no .jpg or .jpeg files";
        return false;
    }
    std::sort(names.begin(), names.end());
    // A file that left the folder is reported again if it comes back unreadable.
    std::erase_if(reported_, [&](const std::string& name) {
        return !std::binary_search(names.begin(), names.end(), name);
    });
    names_ = std::move(names);
    next_ = 0;
    return true;
}

bool JpegFolderSource::take_next(Picture& out, std::string& error) {
    if (next_ >= names_.size() && !rescan(error)) return false;
    out = {names_[next_++], nullptr};
    return true;
}

bool JpegFolderSource::read_next(Picture& out, std::string& error) {
    // At most one pass: the list may change at the rescan, so the bound is
    // the length of the list being read.
    for (std::size_t attempts = 0;; ++attempts) {
        if (attempts >= names_.size()) return false;
        if (next_ >= names_.size() && !rescan(error)) return false;
        const auto& name = names_[next_++];
        if (auto jpeg = read_picture(name)) {
            out = {name, std::move(jpeg)};
            return true;
        }
    }
}

JpegFolderSource::Jpeg JpegFolderSource::read_picture(const std::string& name) {
    std::vector<std::uint8_t> bytes;
    std::string why;
    if (!read_whole_file(folder_ / name, bytes, why)) {
        report_skipped(name, why);
        return nullptr;
    }
    int width = 0;
    int height = 0;
    int subsampling = 0;
    int colorspace = 0;
    if (bytes.size() < 4 || bytes[0] != 0xFF || bytes[1] != 0xD8 ||
        tjDecompressHeader3(decompressor_.get(), bytes.data(), static_cast<unsigned long>(bytes.size()), &width,
                            &height, &subsampling, &colorspace) != 0 ||
        width <= 0 || height <= 0) {  // a file cut short after its first marker "succeeds" with no size
        report_skipped(name, "not a JPEG file");
        return nullptr;
    }
    return std::make_shared<const std::vector<std::uint8_t>>(std::move(bytes));
}

void JpegFolderSource::report_skipped(const std::string& name, const std::string& reason) {
    ++files_skipped_;
    if (!reported_.insert(name).second) return;
    const auto now = std::chrono::steady_clock::now();
    log_unreported_skips(now);
    if (reports_in_interval_ >= kReportsPerInterval) {
        ++unreported_;
        return;
    }
    ++reports_in_interval_;
    spdlog::warn("source {}: skipped {}: {}", describe(), name, reason);
}

void JpegFolderSource::log_unreported_skips(std::chrono::steady_clock::time_point now) {
    if (now - report_interval_start_ < kReportInterval) return;
    if (unreported_ > 0) {
        spdlog::warn("source {}: skipped {} more unreadable {}, not named one by one", describe(), unreported_,
                     unreported_ == 1 ? "file" : "files");
    }
    report_interval_start_ = now;
    reports_in_interval_ = 0;
    unreported_ = 0;
}

}  // namespace camstream
