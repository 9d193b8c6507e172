// One open fake device: the V4L2 ioctl engine (formats, parameters, the mmap
// buffer queue) and the producer thread that fills queued buffers at the frame
// rate. What the application holds is `event_fd()`, an eventfd the producer
// signals once per filled buffer, so poll/select/epoll work unchanged.
#pragma once

#include "description.hpp"

#include <linux/videodev2.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace fake_v4l2 {

// A buffer's memory. The device and each application mapping of it share it:
// an application may munmap after close, or close without munmap, as with a driver.
struct BufferMemory {
    BufferMemory(void* address_, std::size_t length_) : address(address_), length(length_) {}
    ~BufferMemory();
    BufferMemory(const BufferMemory&) = delete;
    BufferMemory& operator=(const BufferMemory&) = delete;

    void* address;
    std::size_t length;
    std::atomic<int> app_mappings{0};
};

// The device number a fake device node claims (major 81 is V4L2's), and the
// uevent text sysfs would show for it: v4l2-ctl decides what a node is from these.
dev_t fake_device_number();
const char* fake_uevent_path();
const char* fake_uevent_text();

class Device {
public:
    // Opens the device whose description file is `resolved_path` with the
    // application's open flags. Returns null with errno set on failure.
    static std::shared_ptr<Device> open(const std::string& resolved_path, int flags);
    ~Device();
    Device(const Device&) = delete;
    Device& operator=(const Device&) = delete;

    int event_fd() const { return event_fd_; }
    // 0, or -errno as the kernel would fail the ioctl.
    int ioctl(unsigned long request, void* argument);
    // The memory behind QUERYBUF's m.offset, or null (errno set).
    // `offset` is 64 bits: mmap64 passes one even where off_t is 32 (armhf).
    std::shared_ptr<BufferMemory> map(std::size_t length, std::int64_t offset);

private:
    enum class BufferState { app, queued, done };
    struct Buffer {
        std::shared_ptr<BufferMemory> memory;
        std::uint32_t offset = 0;
        BufferState state = BufferState::app;
        std::uint32_t bytes_used = 0;
        std::uint32_t sequence = 0;
        timeval timestamp{};
    };

    Device() = default;
    bool watch_file_locked();
    void die_locked();
    void describe_buffer_locked(std::uint32_t index, v4l2_buffer& buffer) const;
    v4l2_pix_format negotiate_locked(const v4l2_pix_format& wanted) const;
    int free_buffers_locked();
    void stop_producer();
    void produce();
    void fill_next_locked(bool& filled);

    int querycap(v4l2_capability& capability);
    int enum_format(v4l2_fmtdesc& description);
    int enum_sizes(v4l2_frmsizeenum& size);
    int enum_intervals(v4l2_frmivalenum& interval);
    int get_format(v4l2_format& format);
    int set_format(v4l2_format& format, bool apply);
    int get_parameters(v4l2_streamparm& parameters);
    int set_parameters(v4l2_streamparm& parameters);
    int request_buffers(v4l2_requestbuffers& request);
    int query_buffer(v4l2_buffer& buffer);
    int queue_buffer(v4l2_buffer& buffer);
    int dequeue_buffer(v4l2_buffer& buffer);
    int stream_on(const int* type);
    int stream_off(const int* type);

    std::mutex mutex_;
    std::string path_;
    int event_fd_ = -1;
    int file_fd_ = -1;  // the description file, held open so its inode cannot be reused
    dev_t file_device_ = 0;
    ino_t file_inode_ = 0;
    timespec file_mtime_{};
    off_t file_size_ = -1;
    bool dead_ = false;

    Description description_;
    v4l2_pix_format format_{};
    std::uint32_t fps_ = 0;
    std::vector<Buffer> buffers_;
    std::deque<std::uint32_t> queued_;  // indices, in QBUF order
    std::deque<std::uint32_t> done_;    // indices, in fill order
    bool streaming_ = false;
    bool stop_ = false;
    std::uint64_t produced_ = 0;  // frames the sensor made since STREAMON, dropped ones too
    std::uint64_t delivered_ = 0;  // frames that reached a buffer since STREAMON
    std::thread producer_;
};

}  // namespace fake_v4l2
