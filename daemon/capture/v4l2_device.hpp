// V4l2Device: one V4L2 capture device node driven with mmap streaming I/O:
// what it offers, the format it grants, and the buffers it fills. It owns the
// descriptor and the mapped buffers; closing (or destroying) it stops the
// stream and returns everything to the driver.
//
// Plain ioctls rather than libv4l2: libv4l2's format emulation converts in
// software behind our back, and we want the camera's own bytes (its MJPEG
// passed through, its YUV encoded without conversion).
#pragma once

#include "capture/stop_signal.hpp"

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace camstream {

struct V4l2FrameSize {
    std::uint32_t width = 0;
    std::uint32_t height = 0;
    std::vector<double> fps;  // discrete rates; empty when the driver lists none
};

struct V4l2Format {
    std::uint32_t fourcc = 0;
    std::string description;
    bool compressed = false;
    std::vector<V4l2FrameSize> sizes;  // discrete sizes; a stepwise range is listed by its ends
};

struct V4l2Mode {
    std::uint32_t fourcc = 0;
    int width = 0;
    int height = 0;
    double fps = 0;                   // 0 when the driver does not say
    std::uint32_t bytes_per_line = 0;  // of the first plane
};

// "MJPG", "YUYV": a fourcc as text, non-printable bytes as '?'.
std::string fourcc_name(std::uint32_t fourcc);
// The fourcc named by `name` (four characters), 0 if it is not four characters.
std::uint32_t fourcc_from_name(const std::string& name);

class V4l2Device {
public:
    V4l2Device() = default;
    ~V4l2Device() { close(); }
    V4l2Device(const V4l2Device&) = delete;
    V4l2Device& operator=(const V4l2Device&) = delete;

    // Opens the node (following links such as /dev/v4l/by-id/...) and checks
    // that it captures video with streaming I/O.
    bool open(const std::string& path, std::string& error);
    void close();
    bool is_open() const { return fd_ >= 0; }
    const std::string& card() const { return card_; }
    const std::string& bus() const { return bus_; }

    // Every format with its sizes and rates, as VIDIOC_ENUM_* report them.
    std::vector<V4l2Format> formats() const;
    // Asks for a mode; the driver may grant another, which is what `granted` says.
    bool configure(const V4l2Mode& wanted, V4l2Mode& granted, std::string& error);
    // Maps the buffers, queues them and starts streaming.
    bool start(std::string& error);

    enum class Wait { frame, timeout, stopped, failed };
    // Waits up to `timeout` for a filled buffer, waking at least every 100 ms
    // to honour `stop` (a stalled camera must not hold up a stop or a reload).
    // On `frame`, the buffer is the caller's until the next dequeue().
    Wait dequeue(std::chrono::milliseconds timeout, const StopSignal& stop, std::string& error);
    // The buffer dequeued last (empty before the first).
    std::span<const std::uint8_t> data() const;
    // Its driver timestamp on CLOCK_MONOTONIC in microseconds; 0 when the
    // driver's clock is another one.
    std::int64_t timestamp_us() const { return timestamp_us_; }
    std::uint32_t sequence() const { return sequence_; }

private:
    struct Buffer {
        void* start = nullptr;
        std::size_t length = 0;
    };
    bool requeue_held(std::string& error);
    int xioctl(unsigned long request, void* argument) const;

    int fd_ = -1;
    std::string path_;
    std::string card_;
    std::string bus_;
    std::vector<Buffer> buffers_;
    bool streaming_ = false;
    int held_ = -1;  // index of the buffer the caller holds
    std::size_t held_bytes_ = 0;
    std::int64_t timestamp_us_ = 0;
    std::uint32_t sequence_ = 0;
};

}  // namespace camstream
