// V4l2Source: see v4l2_source.hpp.
#include "capture/v4l2_source.hpp"

#include "encode/mjpeg.hpp"
#include "media/clock.hpp"

#include <linux/videodev2.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <filesystem>

namespace camstream {
namespace {

// What we can send (MJPEG) or encode without a conversion (the YUV layouts),
// in the order auto prefers them.
constexpr std::array<std::uint32_t, 4> kReadable = {V4L2_PIX_FMT_MJPEG, V4L2_PIX_FMT_YUYV, V4L2_PIX_FMT_NV12,
                                                    V4L2_PIX_FMT_YUV420};

bool readable(std::uint32_t fourcc) {
    return std::find(kReadable.begin(), kReadable.end(), fourcc) != kReadable.end() || fourcc == V4L2_PIX_FMT_JPEG;
}

std::int64_t monotonic_now_us() {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return std::int64_t{now.tv_sec} * 1'000'000 + now.tv_nsec / 1000;
}

std::string describe_mode(const V4l2Mode& mode) {
    return fmt::format("{} {}x{} at {:g} fps", fourcc_name(mode.fourcc), mode.width, mode.height, mode.fps);
}

}  // namespace

V4l2Source::V4l2Source(std::string path, const SourceSettings& settings, const StopSignal& stop)
    : path_(std::move(path)), settings_(settings), stop_(stop) {}

std::uint32_t V4l2Source::choose_format(const std::vector<V4l2Format>& offered) const {
    if (settings_.format != "auto") return fourcc_from_name(settings_.format);
    for (const auto fourcc : kReadable) {
        for (const auto& format : offered) {
            if (format.fourcc == fourcc) return fourcc;
        }
    }
    return V4L2_PIX_FMT_MJPEG;  // nothing we read: ask anyway, and say what was granted
}

bool V4l2Source::open(std::string& error) {
    captured_us_ = 0;
    if (!device_.open(path_, error)) return false;
    const V4l2Mode wanted{choose_format(device_.formats()), settings_.width, settings_.height, settings_.fps, 0};
    if (!device_.configure(wanted, granted_, error)) return false;
    if (!readable(granted_.fourcc)) {
        error = fmt::format("{} ({}) delivers {}; camstreamd reads MJPG, YUYV, NV12 and YU12", path_, device_.card(),
                            fourcc_name(granted_.fourcc));
        device_.close();
        return false;
    }
    const bool as_asked = granted_.fourcc == wanted.fourcc && granted_.width == wanted.width &&
                          granted_.height == wanted.height &&
                          (granted_.fps == 0 || std::abs(granted_.fps - wanted.fps) < 0.01);
    // Once per source: a camera replugged with the same mode is not news.
    if (!logged_mode_ || !as_asked) {
        std::error_code ec;
        const auto node = std::filesystem::canonical(path_, ec);
        const auto where = ec || node == path_ ? std::string() : " (" + node.string() + ")";
        if (as_asked) {
            spdlog::info("source {}{}: {}, {}", describe(), where, device_.card(), describe_mode(granted_));
        } else {
            spdlog::warn("source {}{}: {}: asked for {}, the driver granted {}; running with what was granted",
                         describe(), where, device_.card(), describe_mode(wanted), describe_mode(granted_));
        }
        logged_mode_ = true;
    }
    if (!device_.start(error)) {
        device_.close();
        return false;
    }
    return true;
}

bool V4l2Source::grab() {
    // A frame is late after three intervals (at least two seconds, for slow
    // rates and camera warm-up); the capture thread then reopens the camera.
    const auto interval_ms = 1000.0 / std::max(fps(), 0.1);
    const auto timeout = std::chrono::milliseconds(std::max<long>(2000, std::lround(3 * interval_ms)));
    for (;;) {
        std::string error;
        switch (device_.dequeue(timeout, stop_, error)) {
            case V4l2Device::Wait::frame: break;
            case V4l2Device::Wait::stopped: return false;
            case V4l2Device::Wait::timeout:
                spdlog::warn("source {}: no frame for {} ms", describe(), timeout.count());
                device_.close();
                return false;
            case V4l2Device::Wait::failed:
                spdlog::warn("source {}: {}", describe(), error);
                device_.close();
                return false;
        }
        if (frame_is_whole()) break;
        ++frames_broken_;
        // The first few, then one in a hundred: a flaky USB link must not flood the log.
        if (frames_broken_ <= 5 || frames_broken_ % 100 == 0) {
            spdlog::warn("source {}: dropped a broken frame (driver sequence {}, {} bytes; {} dropped so far)",
                         describe(), device_.sequence(), device_.data().size(), frames_broken_);
        }
    }
    // The driver's timestamp, moved from the monotonic clock to the wire's
    // wall clock: when the camera took the frame, not when we got to it.
    const auto taken = device_.timestamp_us();
    const auto now = wall_clock_us();
    captured_us_ = taken > 0 ? now - std::max<std::int64_t>(0, monotonic_now_us() - taken) : now;
    return true;
}

bool V4l2Source::frame_is_whole() const {
    const auto data = device_.data();
    bool whole = !data.empty();
    if (whole && (granted_.fourcc == V4L2_PIX_FMT_MJPEG || granted_.fourcc == V4L2_PIX_FMT_JPEG)) {
        whole = whole_jpeg_length(data) != 0;
    } else if (whole) {
        const auto pixels = static_cast<std::size_t>(granted_.width) * static_cast<std::size_t>(granted_.height);
        whole = data.size() >= (granted_.fourcc == V4L2_PIX_FMT_YUYV ? pixels * 2 : pixels * 3 / 2);
    }
    return whole;
}

bool V4l2Source::retrieve(SourceImage& out) {
    const auto data = device_.data();
    if (data.empty()) return false;
    const auto width = granted_.width;
    const auto height = granted_.height;
    switch (granted_.fourcc) {
        case V4L2_PIX_FMT_MJPEG:
        case V4L2_PIX_FMT_JPEG: {
            const auto jpeg = data.first(whole_jpeg_length(data));
            if (has_huffman_tables(jpeg)) {
                out.jpeg = std::make_shared<const std::vector<std::uint8_t>>(jpeg.begin(), jpeg.end());
            } else {
                auto repaired = with_standard_huffman_tables(jpeg);
                if (repaired.empty()) return false;
                out.jpeg = std::make_shared<const std::vector<std::uint8_t>>(std::move(repaired));
            }
            return true;
        }
        case V4L2_PIX_FMT_YUYV: {
            const int stride = std::max<int>(static_cast<int>(granted_.bytes_per_line), width * 2);
            out.yuv = {YuvPlanes::Layout::yuyv, width, height, {data.data(), nullptr, nullptr}, {stride, 0, 0}};
            return true;
        }
        case V4L2_PIX_FMT_NV12: {
            const int stride = std::max<int>(static_cast<int>(granted_.bytes_per_line), width);
            out.yuv = {YuvPlanes::Layout::nv12, width, height,
                       {data.data(), data.data() + static_cast<std::size_t>(stride) * height, nullptr},
                       {stride, stride, 0}};
            return true;
        }
        case V4L2_PIX_FMT_YUV420: {
            // Already three planes: encoded straight from the driver's buffer.
            const int stride = std::max<int>(static_cast<int>(granted_.bytes_per_line), width);
            const auto luma_size = static_cast<std::size_t>(stride) * height;
            const auto chroma_size = luma_size / 4;
            out.yuv = {YuvPlanes::Layout::i420, width, height,
                       {data.data(), data.data() + luma_size, data.data() + luma_size + chroma_size},
                       {stride, stride / 2, stride / 2}};
            return true;
        }
        default: return false;
    }
}

}  // namespace camstream
