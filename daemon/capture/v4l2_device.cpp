// V4l2Device: see v4l2_device.hpp.
#include "capture/v4l2_device.hpp"

#include <fcntl.h>
#include <linux/videodev2.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace camstream {
namespace {

// Enough for a steady stream while the capture thread encodes one frame and
// the driver fills the next; more only adds latency and memory.
constexpr unsigned kBufferCount = 4;
constexpr auto kStopCheckInterval = std::chrono::milliseconds(100);

std::string text_of(const __u8* bytes, std::size_t size) {
    const auto* begin = reinterpret_cast<const char*>(bytes);
    return std::string(begin, strnlen(begin, size));
}

double fps_of(const v4l2_fract& interval) {
    return interval.numerator == 0 ? 0.0 : static_cast<double>(interval.denominator) / interval.numerator;
}

// A capture buffer of ours, as QUERYBUF, QBUF and DQBUF take it.
v4l2_buffer mmap_buffer(unsigned index = 0) {
    v4l2_buffer buffer{};
    buffer.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    buffer.memory = V4L2_MEMORY_MMAP;
    buffer.index = index;
    return buffer;
}

std::string errno_text(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

}  // namespace

std::string fourcc_name(std::uint32_t fourcc) {
    std::string name;
    for (int shift = 0; shift < 32; shift += 8) {
        const auto c = static_cast<char>((fourcc >> shift) & 0xFF);
        name += (c >= 0x20 && c < 0x7F) ? c : '?';
    }
    return name;
}

std::uint32_t fourcc_from_name(const std::string& name) {
    if (name.size() != 4) return 0;
    return v4l2_fourcc(name[0], name[1], name[2], name[3]);
}

int V4l2Device::xioctl(unsigned long request, void* argument) const {
    int result = 0;
    do {
        result = ::ioctl(fd_, request, argument);
    } while (result < 0 && errno == EINTR);
    return result;
}

bool V4l2Device::open(const std::string& path, std::string& error) {
    close();
    // Non-blocking: every wait is a poll() we bound, never a read we cannot interrupt.
    fd_ = ::open(path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd_ < 0) {
        error = path + ": " + (errno == ENOENT ? "no such device (unplugged?)" : std::strerror(errno));
        return false;
    }
    path_ = path;
    v4l2_capability capability{};
    if (xioctl(VIDIOC_QUERYCAP, &capability) < 0) {
        error = path + ": not a V4L2 device (" + std::strerror(errno) + ")";
        close();
        return false;
    }
    const auto caps = (capability.capabilities & V4L2_CAP_DEVICE_CAPS) ? capability.device_caps
                                                                         : capability.capabilities;
    card_ = text_of(capability.card, sizeof capability.card);
    bus_ = text_of(capability.bus_info, sizeof capability.bus_info);
    if (!(caps & V4L2_CAP_VIDEO_CAPTURE)) {
        error = path + " (" + card_ + ") does not capture video; a webcam often has a second node for metadata, "
                                      "try the other /dev/video* of the same camera";
        close();
        return false;
    }
    if (!(caps & V4L2_CAP_STREAMING)) {
        error = path + " (" + card_ + ") does not support streaming I/O";
        close();
        return false;
    }
    return true;
}

void V4l2Device::close() {
    if (fd_ < 0) return;
    if (streaming_) {
        int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
        xioctl(VIDIOC_STREAMOFF, &type);  // fails on an unplugged camera; closing frees it anyway
        streaming_ = false;
    }
    // Unmapped, then closed: the driver frees its buffers with the last reference.
    for (const auto& buffer : buffers_) ::munmap(buffer.start, buffer.length);
    buffers_.clear();
    ::close(fd_);
    fd_ = -1;
    held_ = -1;
    held_bytes_ = 0;
}

std::vector<V4l2Format> V4l2Device::formats() const {
    std::vector<V4l2Format> formats;
    v4l2_fmtdesc description{};
    description.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    for (; xioctl(VIDIOC_ENUM_FMT, &description) == 0; ++description.index) {
        V4l2Format format;
        format.fourcc = description.pixelformat;
        format.description = text_of(description.description, sizeof description.description);
        format.compressed = (description.flags & V4L2_FMT_FLAG_COMPRESSED) != 0;
        v4l2_frmsizeenum size{};
        size.pixel_format = format.fourcc;
        for (; xioctl(VIDIOC_ENUM_FRAMESIZES, &size) == 0; ++size.index) {
            std::vector<std::pair<std::uint32_t, std::uint32_t>> listed;
            if (size.type == V4L2_FRMSIZE_TYPE_DISCRETE) {
                listed.emplace_back(size.discrete.width, size.discrete.height);
            } else {
                listed.emplace_back(size.stepwise.min_width, size.stepwise.min_height);
                listed.emplace_back(size.stepwise.max_width, size.stepwise.max_height);
            }
            for (const auto& [width, height] : listed) {
                V4l2FrameSize frame_size{width, height, {}};
                v4l2_frmivalenum interval{};
                interval.pixel_format = format.fourcc;
                interval.width = width;
                interval.height = height;
                for (; xioctl(VIDIOC_ENUM_FRAMEINTERVALS, &interval) == 0; ++interval.index) {
                    if (interval.type == V4L2_FRMIVAL_TYPE_DISCRETE) {
                        frame_size.fps.push_back(fps_of(interval.discrete));
                    } else {  // a range: its fastest and slowest
                        frame_size.fps.push_back(fps_of(interval.stepwise.min));
                        frame_size.fps.push_back(fps_of(interval.stepwise.max));
                        break;
                    }
                }
                format.sizes.push_back(std::move(frame_size));
            }
            if (size.type != V4L2_FRMSIZE_TYPE_DISCRETE) break;
        }
        formats.push_back(std::move(format));
    }
    return formats;
}

bool V4l2Device::configure(const V4l2Mode& wanted, V4l2Mode& granted, std::string& error) {
    v4l2_format format{};
    format.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    format.fmt.pix.width = static_cast<__u32>(wanted.width);
    format.fmt.pix.height = static_cast<__u32>(wanted.height);
    format.fmt.pix.pixelformat = wanted.fourcc;
    format.fmt.pix.field = V4L2_FIELD_NONE;
    if (xioctl(VIDIOC_S_FMT, &format) < 0) {
        error = path_ + ": " + errno_text("setting the format (VIDIOC_S_FMT)");
        return false;
    }
    granted.fourcc = format.fmt.pix.pixelformat;
    granted.width = static_cast<int>(format.fmt.pix.width);
    granted.height = static_cast<int>(format.fmt.pix.height);
    granted.bytes_per_line = format.fmt.pix.bytesperline;
    granted.fps = 0;

    v4l2_streamparm parameters{};
    parameters.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    if (xioctl(VIDIOC_G_PARM, &parameters) == 0 &&
        (parameters.parm.capture.capability & V4L2_CAP_TIMEPERFRAME) && wanted.fps > 0) {
        // A frame interval of 1000/(fps*1000) keeps fractional rates such as 7.5.
        parameters.parm.capture.timeperframe = {1000, static_cast<__u32>(wanted.fps * 1000.0 + 0.5)};
        xioctl(VIDIOC_S_PARM, &parameters);  // the driver writes back what it granted
    }
    granted.fps = fps_of(parameters.parm.capture.timeperframe);
    return true;
}

bool V4l2Device::start(std::string& error) {
    v4l2_requestbuffers request{};
    request.count = kBufferCount;
    request.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    request.memory = V4L2_MEMORY_MMAP;
    if (xioctl(VIDIOC_REQBUFS, &request) < 0) {
        error = path_ + ": " + errno_text("requesting buffers (VIDIOC_REQBUFS)");
        return false;
    }
    if (request.count < 2) {
        error = path_ + ": the driver granted " + std::to_string(request.count) + " buffer(s); streaming needs 2";
        return false;
    }
    for (unsigned index = 0; index < request.count; ++index) {
        v4l2_buffer buffer = mmap_buffer(index);
        if (xioctl(VIDIOC_QUERYBUF, &buffer) < 0) {
            error = path_ + ": " + errno_text("querying a buffer (VIDIOC_QUERYBUF)");
            return false;
        }
        void* start = ::mmap(nullptr, buffer.length, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, buffer.m.offset);
        if (start == MAP_FAILED) {
            error = path_ + ": " + errno_text("mapping a buffer");
            return false;
        }
        buffers_.push_back({start, buffer.length});
        if (xioctl(VIDIOC_QBUF, &buffer) < 0) {
            error = path_ + ": " + errno_text("queueing a buffer (VIDIOC_QBUF)");
            return false;
        }
    }
    int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    if (xioctl(VIDIOC_STREAMON, &type) < 0) {
        error = path_ + ": " + errno_text("starting the stream (VIDIOC_STREAMON)");
        return false;
    }
    streaming_ = true;
    return true;
}

bool V4l2Device::requeue_held(std::string& error) {
    if (held_ < 0) return true;
    v4l2_buffer buffer = mmap_buffer(static_cast<unsigned>(held_));
    held_ = -1;
    held_bytes_ = 0;
    if (xioctl(VIDIOC_QBUF, &buffer) < 0) {
        error = path_ + ": " + errno_text("returning a buffer (VIDIOC_QBUF)");
        return false;
    }
    return true;
}

V4l2Device::Wait V4l2Device::dequeue(std::chrono::milliseconds timeout, const StopSignal& stop, std::string& error) {
    if (!requeue_held(error)) return Wait::failed;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (stop.raised()) return Wait::stopped;
        v4l2_buffer buffer = mmap_buffer();
        if (xioctl(VIDIOC_DQBUF, &buffer) == 0) {
            if (buffer.index >= buffers_.size()) {
                error = path_ + ": the driver returned an unknown buffer";
                return Wait::failed;
            }
            held_ = static_cast<int>(buffer.index);
            held_bytes_ = std::min<std::size_t>(buffer.bytesused, buffers_[buffer.index].length);
            sequence_ = buffer.sequence;
            const bool monotonic =
                (buffer.flags & V4L2_BUF_FLAG_TIMESTAMP_MASK) == V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC;
            timestamp_us_ = monotonic ? std::int64_t{buffer.timestamp.tv_sec} * 1'000'000 + buffer.timestamp.tv_usec
                                      : 0;
            if (buffer.flags & V4L2_BUF_FLAG_ERROR) held_bytes_ = 0;  // a damaged frame: the caller drops it
            return Wait::frame;
        }
        if (errno != EAGAIN) {
            error = path_ + ": " +
                    (errno == ENODEV ? std::string("the camera is gone (unplugged?)")
                                     : errno_text("reading a frame (VIDIOC_DQBUF)"));
            return Wait::failed;
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                                std::chrono::steady_clock::now());
        if (left.count() <= 0) return Wait::timeout;
        pollfd descriptor{fd_, POLLIN, 0};
        const auto slice = std::min(left, std::chrono::duration_cast<std::chrono::milliseconds>(kStopCheckInterval));
        const int ready = ::poll(&descriptor, 1, static_cast<int>(slice.count()));
        if (ready < 0 && errno != EINTR) {
            error = path_ + ": " + errno_text("waiting for a frame");
            return Wait::failed;
        }
        if (ready > 0 && (descriptor.revents & (POLLERR | POLLHUP | POLLNVAL)) && !(descriptor.revents & POLLIN)) {
            error = path_ + ": the camera is gone (unplugged?)";
            return Wait::failed;
        }
    }
}

std::span<const std::uint8_t> V4l2Device::data() const {
    if (held_ < 0) return {};
    return {static_cast<const std::uint8_t*>(buffers_[static_cast<std::size_t>(held_)].start), held_bytes_};
}

}  // namespace camstream
