// The fake device's ioctl engine and producer thread (see device.hpp).
#include "device.hpp"

#include "debug_log.hpp"
#include "picture.hpp"
#include "real_libc.hpp"

#include <fcntl.h>
#include <linux/version.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace fake_v4l2 {

namespace {

constexpr std::uint32_t kMinBuffers = 2;
constexpr std::uint32_t kMaxBuffers = 8;
constexpr long kWatchIntervalNs = 20'000'000;  // how often a streaming device looks for unplug and edits
// Written to the eventfd when the device dies, so every poller wakes now and on
// every later poll, and each DQBUF reads one count without blocking.
constexpr std::uint64_t kDeadWakeups = std::uint64_t{1} << 40;

constexpr std::uint32_t kDeviceCaps = V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_STREAMING;

std::size_t page_rounded(std::size_t length) {
    const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    return (length + page - 1) / page * page;
}

void copy_text(__u8* target, std::size_t capacity, const std::string& text) {
    std::memset(target, 0, capacity);
    std::memcpy(target, text.data(), std::min(text.size(), capacity - 1));
}

timespec monotonic_now() {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now;
}

timespec add_ns(timespec time, long ns) {
    time.tv_nsec += ns;
    while (time.tv_nsec >= 1'000'000'000) {
        time.tv_nsec -= 1'000'000'000;
        ++time.tv_sec;
    }
    return time;
}

bool before(const timespec& a, const timespec& b) {
    return a.tv_sec < b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec < b.tv_nsec);
}

void signal_event(int fd, std::uint64_t count) {
    while (write(fd, &count, sizeof count) < 0 && errno == EINTR) {
    }
}

std::string directory_of(const std::string& path) {
    const auto slash = path.rfind('/');
    return slash == std::string::npos ? "." : path.substr(0, slash);
}

template <typename Container, typename Value>
bool contains(const Container& container, const Value& value) {
    return std::find(container.begin(), container.end(), value) != container.end();
}

// The ioctls the fake answers; any other gets ENOTTY, as from a driver without it.
bool implements(unsigned long request) {
    switch (request) {
    case VIDIOC_QUERYCAP: case VIDIOC_ENUM_FMT: case VIDIOC_ENUM_FRAMESIZES: case VIDIOC_ENUM_FRAMEINTERVALS:
    case VIDIOC_G_FMT: case VIDIOC_S_FMT: case VIDIOC_TRY_FMT: case VIDIOC_G_PARM: case VIDIOC_S_PARM:
    case VIDIOC_REQBUFS: case VIDIOC_QUERYBUF: case VIDIOC_QBUF: case VIDIOC_DQBUF: case VIDIOC_STREAMON:
    case VIDIOC_STREAMOFF: case VIDIOC_ENUMINPUT: case VIDIOC_G_INPUT: case VIDIOC_S_INPUT:
        return true;
    default:
        return false;
    }
}

}  // namespace

BufferMemory::~BufferMemory() { real::munmap()(address, length); }

dev_t fake_device_number() { return makedev(81, 255); }
const char* fake_uevent_path() { return "/sys/dev/char/81:255/uevent"; }
const char* fake_uevent_text() { return "MAJOR=81\nMINOR=255\nDEVNAME=video255\n"; }

std::shared_ptr<Device> Device::open(const std::string& resolved_path, int flags) {
    std::shared_ptr<Device> device(new Device);
    device->path_ = resolved_path;
    device->file_fd_ = real::open()(resolved_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (device->file_fd_ < 0) return nullptr;
    struct stat file {};
    if (real::fstat()(device->file_fd_, &file) != 0) return nullptr;
    device->file_device_ = file.st_dev;
    device->file_inode_ = file.st_ino;
    int event_flags = EFD_SEMAPHORE;
    if (flags & O_NONBLOCK) event_flags |= EFD_NONBLOCK;
    if (flags & O_CLOEXEC) event_flags |= EFD_CLOEXEC;
    device->event_fd_ = eventfd(0, event_flags);
    if (device->event_fd_ < 0) return nullptr;
    std::lock_guard lock(device->mutex_);
    device->watch_file_locked();
    const auto& description = device->description_;
    device->format_ = pixel_format(description.formats.front(), description.sizes.front().width,
                                   description.sizes.front().height, description.largest_jpeg());
    device->fps_ = description.fps.front();
    debug("opened %s as fd %d", resolved_path.c_str(), device->event_fd_);
    return device;
}

Device::~Device() {
    stop_producer();
    {
        std::lock_guard lock(mutex_);
        free_buffers_locked();
    }
    if (event_fd_ >= 0) real::close()(event_fd_);
    if (file_fd_ >= 0) real::close()(file_fd_);
}

// Notices unplug (the file is gone, or another file took its name) and edits
// of the description (size or mtime changed). Returns false once the device is dead.
bool Device::watch_file_locked() {
    if (dead_) return false;
    struct stat held {};
    struct stat named {};
    if (real::fstat()(file_fd_, &held) != 0 || held.st_nlink == 0 ||
        real::stat()(path_.c_str(), &named) != 0 || named.st_dev != file_device_ ||
        named.st_ino != file_inode_) {
        die_locked();
        return false;
    }
    if (held.st_size == file_size_ && held.st_mtim.tv_sec == file_mtime_.tv_sec &&
        held.st_mtim.tv_nsec == file_mtime_.tv_nsec) {
        return true;
    }
    std::string text;
    // An empty file is a rewrite caught halfway; the next change brings the text.
    if (!read_whole_file(file_fd_, text) || (text.empty() && file_size_ >= 0)) return true;
    file_size_ = held.st_size;
    file_mtime_ = held.st_mtim;
    description_ = parse_description(text, directory_of(path_));
    debug("%s: description (re)read", path_.c_str());
    return true;
}

void Device::die_locked() {
    if (dead_) return;
    dead_ = true;
    debug("%s unplugged: fd %d is dead", path_.c_str(), event_fd_);
    signal_event(event_fd_, kDeadWakeups);
}

int Device::ioctl(unsigned long request, void* argument) {
    if (argument == nullptr) return implements(request) ? -EFAULT : -ENOTTY;
    switch (request) {
    case VIDIOC_QUERYCAP: return querycap(*static_cast<v4l2_capability*>(argument));
    case VIDIOC_ENUM_FMT: return enum_format(*static_cast<v4l2_fmtdesc*>(argument));
    case VIDIOC_ENUM_FRAMESIZES: return enum_sizes(*static_cast<v4l2_frmsizeenum*>(argument));
    case VIDIOC_ENUM_FRAMEINTERVALS: return enum_intervals(*static_cast<v4l2_frmivalenum*>(argument));
    case VIDIOC_G_FMT: return get_format(*static_cast<v4l2_format*>(argument));
    case VIDIOC_S_FMT: return set_format(*static_cast<v4l2_format*>(argument), true);
    case VIDIOC_TRY_FMT: return set_format(*static_cast<v4l2_format*>(argument), false);
    case VIDIOC_G_PARM: return get_parameters(*static_cast<v4l2_streamparm*>(argument));
    case VIDIOC_S_PARM: return set_parameters(*static_cast<v4l2_streamparm*>(argument));
    case VIDIOC_REQBUFS: return request_buffers(*static_cast<v4l2_requestbuffers*>(argument));
    case VIDIOC_QUERYBUF: return query_buffer(*static_cast<v4l2_buffer*>(argument));
    case VIDIOC_QBUF: return queue_buffer(*static_cast<v4l2_buffer*>(argument));
    case VIDIOC_DQBUF: return dequeue_buffer(*static_cast<v4l2_buffer*>(argument));
    case VIDIOC_STREAMON: return stream_on(static_cast<const int*>(argument));
    case VIDIOC_STREAMOFF: return stream_off(static_cast<const int*>(argument));
    default: break;
    }
    std::lock_guard lock(mutex_);
    if (!watch_file_locked()) return -ENODEV;
    switch (request) {
    case VIDIOC_ENUMINPUT: {
        auto& input = *static_cast<v4l2_input*>(argument);
        if (input.index != 0) return -EINVAL;
        std::memset(&input, 0, sizeof input);
        copy_text(input.name, sizeof input.name, "Camera 1");
        input.type = V4L2_INPUT_TYPE_CAMERA;
        return 0;
    }
    case VIDIOC_G_INPUT: *static_cast<int*>(argument) = 0; return 0;
    case VIDIOC_S_INPUT: return *static_cast<int*>(argument) == 0 ? 0 : -EINVAL;
    default:
        debug("fd %d: ioctl 0x%lx ('%c' %lu) is not implemented: ENOTTY", event_fd_, request,
              static_cast<char>(_IOC_TYPE(request)), static_cast<unsigned long>(_IOC_NR(request)));
        return -ENOTTY;
    }
}

int Device::querycap(v4l2_capability& capability) {
    std::lock_guard lock(mutex_);
    if (!watch_file_locked()) return -ENODEV;
    std::memset(&capability, 0, sizeof capability);
    copy_text(capability.driver, sizeof capability.driver, "fake_v4l2");
    copy_text(capability.card, sizeof capability.card, description_.card);
    copy_text(capability.bus_info, sizeof capability.bus_info, description_.bus);
    capability.version = LINUX_VERSION_CODE;
    capability.capabilities = kDeviceCaps | V4L2_CAP_DEVICE_CAPS;
    capability.device_caps = kDeviceCaps;
    return 0;
}

int Device::enum_format(v4l2_fmtdesc& description) {
    std::lock_guard lock(mutex_);
    if (!watch_file_locked()) return -ENODEV;
    if (description.type != V4L2_BUF_TYPE_VIDEO_CAPTURE || description.index >= description_.formats.size()) {
        return -EINVAL;
    }
    const auto index = description.index;
    const auto fourcc = description_.formats[index];
    std::memset(&description, 0, sizeof description);
    description.index = index;
    description.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    description.pixelformat = fourcc;
    description.flags = fourcc == V4L2_PIX_FMT_MJPEG ? V4L2_FMT_FLAG_COMPRESSED : 0;
    copy_text(description.description, sizeof description.description, format_description(fourcc));
    return 0;
}

int Device::enum_sizes(v4l2_frmsizeenum& size) {
    std::lock_guard lock(mutex_);
    if (!watch_file_locked()) return -ENODEV;
    if (!contains(description_.formats, size.pixel_format) || size.index >= description_.sizes.size()) {
        return -EINVAL;
    }
    size.type = V4L2_FRMSIZE_TYPE_DISCRETE;
    size.discrete.width = description_.sizes[size.index].width;
    size.discrete.height = description_.sizes[size.index].height;
    return 0;
}

int Device::enum_intervals(v4l2_frmivalenum& interval) {
    std::lock_guard lock(mutex_);
    if (!watch_file_locked()) return -ENODEV;
    const bool size_offered = std::any_of(description_.sizes.begin(), description_.sizes.end(), [&](const FrameSize& size) {
        return size.width == interval.width && size.height == interval.height;
    });
    if (!contains(description_.formats, interval.pixel_format) || !size_offered ||
        interval.index >= description_.fps.size()) {
        return -EINVAL;
    }
    interval.type = V4L2_FRMIVAL_TYPE_DISCRETE;
    interval.discrete.numerator = 1;
    interval.discrete.denominator = description_.fps[interval.index];
    return 0;
}

int Device::get_format(v4l2_format& format) {
    std::lock_guard lock(mutex_);
    if (!watch_file_locked()) return -ENODEV;
    if (format.type != V4L2_BUF_TYPE_VIDEO_CAPTURE) return -EINVAL;
    format.fmt.pix = format_;
    return 0;
}

// What a driver grants for `wanted`: the grant= size if the description has
// one, else the nearest offered size; the first format if the asked one is not offered.
v4l2_pix_format Device::negotiate_locked(const v4l2_pix_format& wanted) const {
    const auto fourcc = contains(description_.formats, wanted.pixelformat) ? wanted.pixelformat
                                                                           : description_.formats.front();
    FrameSize size = description_.sizes.front();
    if (description_.has_grant) {
        size = description_.grant;
    } else {
        auto distance = [&](const FrameSize& candidate) {
            return std::labs(static_cast<long>(candidate.width) - static_cast<long>(wanted.width)) +
                   std::labs(static_cast<long>(candidate.height) - static_cast<long>(wanted.height));
        };
        for (const auto& candidate : description_.sizes) {
            if (distance(candidate) < distance(size)) size = candidate;
        }
    }
    return pixel_format(fourcc, size.width, size.height, description_.largest_jpeg());
}

int Device::set_format(v4l2_format& format, bool apply) {
    std::lock_guard lock(mutex_);
    if (!watch_file_locked()) return -ENODEV;
    if (format.type != V4L2_BUF_TYPE_VIDEO_CAPTURE) return -EINVAL;
    if (apply && (streaming_ || !buffers_.empty())) return -EBUSY;
    format.fmt.pix = negotiate_locked(format.fmt.pix);
    if (apply) format_ = format.fmt.pix;
    return 0;
}

int Device::get_parameters(v4l2_streamparm& parameters) {
    std::lock_guard lock(mutex_);
    if (!watch_file_locked()) return -ENODEV;
    if (parameters.type != V4L2_BUF_TYPE_VIDEO_CAPTURE) return -EINVAL;
    std::memset(&parameters.parm, 0, sizeof parameters.parm);
    parameters.parm.capture.capability = V4L2_CAP_TIMEPERFRAME;
    parameters.parm.capture.timeperframe = {1, fps_};
    parameters.parm.capture.readbuffers = 0;
    return 0;
}

int Device::set_parameters(v4l2_streamparm& parameters) {
    {
        std::lock_guard lock(mutex_);
        if (!watch_file_locked()) return -ENODEV;
        if (parameters.type != V4L2_BUF_TYPE_VIDEO_CAPTURE) return -EINVAL;
        const auto& asked = parameters.parm.capture.timeperframe;
        fps_ = description_.fps.front();
        if (asked.numerator != 0 && asked.denominator != 0) {
            const double wanted = static_cast<double>(asked.denominator) / asked.numerator;
            for (const auto fps : description_.fps) {
                if (std::abs(fps - wanted) < std::abs(fps_ - wanted)) fps_ = fps;
            }
        }
    }
    return get_parameters(parameters);
}

int Device::free_buffers_locked() {
    buffers_.clear();  // memory the application still maps lives until its munmap
    queued_.clear();
    done_.clear();
    return 0;
}

int Device::request_buffers(v4l2_requestbuffers& request) {
    std::lock_guard lock(mutex_);
    if (!watch_file_locked()) return -ENODEV;
    if (request.type != V4L2_BUF_TYPE_VIDEO_CAPTURE || request.memory != V4L2_MEMORY_MMAP) return -EINVAL;
    if (streaming_) return -EBUSY;
    free_buffers_locked();
    std::memset(request.reserved, 0, sizeof request.reserved);
    request.capabilities = V4L2_BUF_CAP_SUPPORTS_MMAP;
    if (request.count == 0) return 0;
    request.count = std::clamp(request.count, kMinBuffers, kMaxBuffers);
    const std::size_t length = page_rounded(format_.sizeimage);
    for (std::uint32_t index = 0; index < request.count; ++index) {
        void* address = real::mmap()(nullptr, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (address == MAP_FAILED) {
            free_buffers_locked();
            return -ENOMEM;
        }
        Buffer buffer;
        buffer.memory = std::make_shared<BufferMemory>(address, length);
        buffer.offset = static_cast<std::uint32_t>(index * length);
        buffers_.push_back(std::move(buffer));
    }
    return 0;
}

void Device::describe_buffer_locked(std::uint32_t index, v4l2_buffer& buffer) const {
    const Buffer& state = buffers_[index];
    std::memset(&buffer, 0, sizeof buffer);
    buffer.index = index;
    buffer.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    buffer.memory = V4L2_MEMORY_MMAP;
    buffer.m.offset = state.offset;
    buffer.length = static_cast<std::uint32_t>(state.memory->length);
    buffer.field = V4L2_FIELD_NONE;
    buffer.flags = V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC | V4L2_BUF_FLAG_TSTAMP_SRC_SOE;
    if (state.memory->app_mappings > 0) buffer.flags |= V4L2_BUF_FLAG_MAPPED;
    if (state.state == BufferState::queued) buffer.flags |= V4L2_BUF_FLAG_QUEUED;
    if (state.state == BufferState::done) buffer.flags |= V4L2_BUF_FLAG_DONE;
    buffer.bytesused = state.bytes_used;
    buffer.sequence = state.sequence;
    buffer.timestamp = state.timestamp;
}

int Device::query_buffer(v4l2_buffer& buffer) {
    std::lock_guard lock(mutex_);
    if (!watch_file_locked()) return -ENODEV;
    if (buffer.type != V4L2_BUF_TYPE_VIDEO_CAPTURE || buffer.index >= buffers_.size()) return -EINVAL;
    describe_buffer_locked(buffer.index, buffer);
    return 0;
}

int Device::queue_buffer(v4l2_buffer& buffer) {
    std::lock_guard lock(mutex_);
    if (!watch_file_locked()) return -ENODEV;
    if (buffer.type != V4L2_BUF_TYPE_VIDEO_CAPTURE || buffer.memory != V4L2_MEMORY_MMAP ||
        buffer.index >= buffers_.size() || buffers_[buffer.index].state != BufferState::app) {
        return -EINVAL;
    }
    buffers_[buffer.index].state = BufferState::queued;
    queued_.push_back(buffer.index);
    describe_buffer_locked(buffer.index, buffer);
    return 0;
}

int Device::dequeue_buffer(v4l2_buffer& buffer) {
    {
        std::lock_guard lock(mutex_);
        if (!watch_file_locked()) return -ENODEV;
        if (buffer.type != V4L2_BUF_TYPE_VIDEO_CAPTURE || buffer.memory != V4L2_MEMORY_MMAP) return -EINVAL;
        if (!streaming_) return -EINVAL;
    }
    // One count per filled buffer. The read blocks or says EAGAIN as the
    // descriptor's own O_NONBLOCK says, which the application may change with fcntl.
    std::uint64_t count = 0;
    if (read(event_fd_, &count, sizeof count) < 0) return -errno;
    std::lock_guard lock(mutex_);
    if (dead_) return -ENODEV;
    if (done_.empty()) return -EINVAL;  // a STREAMOFF from another thread took the buffers back
    const auto index = done_.front();
    done_.pop_front();
    buffers_[index].state = BufferState::app;
    describe_buffer_locked(index, buffer);
    return 0;
}

int Device::stream_on(const int* type) {
    std::lock_guard lock(mutex_);
    if (!watch_file_locked()) return -ENODEV;
    if (*type != V4L2_BUF_TYPE_VIDEO_CAPTURE || buffers_.empty()) return -EINVAL;
    if (streaming_) return 0;
    streaming_ = true;
    stop_ = false;
    produced_ = 0;
    delivered_ = 0;
    producer_ = std::thread([this] { produce(); });
    return 0;
}

void Device::stop_producer() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    if (producer_.joinable()) producer_.join();
}

int Device::stream_off(const int* type) {
    if (*type != V4L2_BUF_TYPE_VIDEO_CAPTURE) return -EINVAL;
    stop_producer();
    std::lock_guard lock(mutex_);
    // Even a dead device gives its buffers back: the application is tearing down.
    streaming_ = false;
    for (auto& buffer : buffers_) buffer.state = BufferState::app;
    queued_.clear();
    done_.clear();
    if (dead_) return -ENODEV;
    for (pollfd ready{event_fd_, POLLIN, 0}; poll(&ready, 1, 0) > 0; ready.revents = 0) {
        std::uint64_t count = 0;
        if (read(event_fd_, &count, sizeof count) < 0) break;
    }
    return watch_file_locked() ? 0 : -ENODEV;
}

void Device::fill_next_locked(bool& filled) {
    filled = false;
    if (description_.stall) return;  // a hung camera: no frames, no sequence numbers
    ++produced_;
    if (queued_.empty()) return;  // the frame is lost, as a driver drops it with no buffer to fill
    const auto index = queued_.front();
    queued_.pop_front();
    Buffer& buffer = buffers_[index];
    ++delivered_;
    buffer.bytes_used = static_cast<std::uint32_t>(
        fill_frame(description_, format_, delivered_, static_cast<std::uint8_t*>(buffer.memory->address),
                   buffer.memory->length));
    buffer.sequence = static_cast<std::uint32_t>(produced_ - 1);
    const timespec now = monotonic_now();
    buffer.timestamp.tv_sec = now.tv_sec;
    buffer.timestamp.tv_usec = now.tv_nsec / 1000;
    buffer.state = BufferState::done;
    done_.push_back(index);
    filled = true;
}

// Fills one buffer per frame interval, on absolute CLOCK_MONOTONIC deadlines so
// the rate does not drift, and wakes at least every kWatchIntervalNs to see a
// stop, an unplug or an edited description promptly.
void Device::produce() {
    timespec deadline = monotonic_now();
    for (;;) {
        {
            std::lock_guard lock(mutex_);
            deadline = add_ns(deadline, 1'000'000'000L / static_cast<long>(fps_));
        }
        for (;;) {
            {
                std::lock_guard lock(mutex_);
                if (stop_ || !watch_file_locked()) return;
            }
            const timespec now = monotonic_now();
            if (!before(now, deadline)) break;
            timespec wake = add_ns(now, kWatchIntervalNs);
            if (before(deadline, wake)) wake = deadline;
            while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &wake, nullptr) == EINTR) {
            }
        }
        bool filled = false;
        {
            std::lock_guard lock(mutex_);
            if (stop_) return;
            fill_next_locked(filled);
        }
        if (filled) signal_event(event_fd_, 1);
    }
}

std::shared_ptr<BufferMemory> Device::map(std::size_t length, std::int64_t offset) {
    std::lock_guard lock(mutex_);
    if (!watch_file_locked()) {
        errno = ENODEV;
        return nullptr;
    }
    for (const auto& buffer : buffers_) {
        if (buffer.offset == offset && length <= buffer.memory->length) return buffer.memory;
    }
    errno = EINVAL;
    return nullptr;
}

}  // namespace fake_v4l2
