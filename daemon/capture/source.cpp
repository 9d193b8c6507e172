// make_source: picks the Source implementation named by source.uri, loading the
// video module only when a video file or a GStreamer pipeline is asked for.
#include "capture/source.hpp"

#include "capture/jpeg_folder_source.hpp"
#include "capture/source_uri.hpp"
#include "capture/test_pattern.hpp"
#include "capture/v4l2_source.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <array>
#include <filesystem>

namespace camstream {
namespace {

// Stands in for a source that cannot exist, so the daemon reports why (and
// retries, as for a camera that is unplugged) instead of refusing to start.
class UnavailableSource final : public Source {
public:
    UnavailableSource(std::string description, std::string reason)
        : description_(std::move(description)), reason_(std::move(reason)) {}
    bool open(std::string& error) override {
        error = reason_;
        return false;
    }
    bool grab() override { return false; }
    bool retrieve(SourceImage&) override { return false; }
    cv::Size size() const override { return {}; }
    double fps() const override { return 0; }
    std::string describe() const override { return description_; }

private:
    std::string description_;
    std::string reason_;
};

std::unique_ptr<Source> make_file_source(const std::string& path, const SourceSettings& settings,
                                         const StopSignal& stop);

// A file: source whose path does not exist (yet): each open() looks again, so a
// folder or file that appears later (a mount, a camera's upload) is picked up
// by the capture thread's ordinary retries.
class PendingFileSource final : public Source {
public:
    PendingFileSource(std::string path, const SourceSettings& settings, const StopSignal& stop)
        : path_(std::move(path)), settings_(settings), stop_(stop) {}
    bool open(std::string& error) override {
        std::error_code ec;
        if (!std::filesystem::exists(path_, ec)) {
            error = path_ + ": no such file or folder";
            return false;
        }
        source_ = make_file_source(path_, settings_, stop_);
        return source_->open(error);
    }
    bool grab() override { return source_ && source_->grab(); }
    bool retrieve(SourceImage& out) override { return source_ && source_->retrieve(out); }
    cv::Size size() const override { return source_ ? source_->size() : cv::Size(); }
    double fps() const override { return source_ ? source_->fps() : settings_.fps; }
    std::string describe() const override { return source_ ? source_->describe() : "file:" + path_; }

private:
    std::string path_;
    SourceSettings settings_;
    const StopSignal& stop_;
    std::unique_ptr<Source> source_;
};

std::filesystem::path executable_dir() {
    std::array<char, 4096> path{};
    const auto length = readlink("/proc/self/exe", path.data(), path.size() - 1);
    if (length <= 0) return {};
    return std::filesystem::path(std::string(path.data(), static_cast<std::size_t>(length))).parent_path();
}

// kind: "video" (a video file) or "gstreamer" (a pipeline): the module
// camstream_<kind>_source.so and its entry point camstream_make_<kind>_source.
std::unique_ptr<Source> load_module_source(const std::string& kind, const std::string& path,
                                           const SourceSettings& settings, const StopSignal& stop) {
    // Beside the binary in a build tree; in an installed tree, in the module
    // folder relative to the binary, so a package works whatever its prefix.
    const auto here = executable_dir();
    const auto file = "camstream_" + kind + "_source.so";
    const std::array<std::filesystem::path, 2> candidates = {here / file,
                                                             here.parent_path() / CAMSTREAM_MODULE_DIR / file};
    std::string errors;
    for (const auto& candidate : candidates) {
        // Never unloaded: the source's code must outlive every Source it makes.
        void* module = dlopen(candidate.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (module == nullptr) {
            errors += std::string(errors.empty() ? "" : "; ") + dlerror();
            continue;
        }
        using Factory = Source* (*)(const char*, const SourceSettings*, const StopSignal*);
        const auto entry = "camstream_make_" + kind + "_source";
        auto factory = reinterpret_cast<Factory>(dlsym(module, entry.c_str()));
        if (factory != nullptr) return std::unique_ptr<Source>(factory(path.c_str(), &settings, &stop));
        errors += "; " + candidate.string() + " has no " + entry;
    }
    return std::make_unique<UnavailableSource>((kind == "video" ? "file:" : "gstreamer:") + path,
                                               kind + " sources need the module " + file + ": " + errors);
}

std::unique_ptr<Source> make_file_source(const std::string& path, const SourceSettings& settings,
                                         const StopSignal& stop) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) return std::make_unique<JpegFolderSource>(path, settings, stop);
    return load_module_source("video", path, settings, stop);
}

}  // namespace

std::unique_ptr<Source> make_source(const SourceSettings& settings, const StopSignal& stop) {
    std::string error;
    const auto uri = parse_source_uri(settings.uri, error);
    if (!uri) return std::make_unique<UnavailableSource>(settings.uri, error);
    switch (uri->kind) {
        case SourceUri::Kind::test_pattern:
            return std::make_unique<TestPatternSource>(settings, uri->hang_after, stop);
        case SourceUri::Kind::file: {
            std::error_code ec;
            if (!std::filesystem::exists(uri->path, ec)) {
                return std::make_unique<PendingFileSource>(uri->path, settings, stop);
            }
            return make_file_source(uri->path, settings, stop);
        }
        case SourceUri::Kind::v4l2: return std::make_unique<V4l2Source>(uri->path, settings, stop);
        case SourceUri::Kind::gstreamer: return load_module_source("gstreamer", uri->path, settings, stop);
    }
    return std::make_unique<UnavailableSource>(settings.uri, "unknown source kind");
}

}  // namespace camstream
