// A fake device's description: the key=value text of its device file, parsed
// into what the device offers and how it misbehaves, plus the JPEG files it
// serves. README.md lists the keys.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace fake_v4l2 {

struct FrameSize {
    std::uint32_t width = 0;
    std::uint32_t height = 0;
};

struct Description {
    std::string card = "Fake Camera";
    std::string bus = "usb-fake-1";
    std::vector<std::uint32_t> formats;  // fourccs in enumeration order, never empty
    std::vector<FrameSize> sizes;        // never empty
    std::vector<std::uint32_t> fps;      // never empty
    bool has_grant = false;
    FrameSize grant;
    std::vector<std::vector<std::uint8_t>> jpegs;  // the frames= folder's files in name order
    std::uint32_t corrupt_every = 0;
    bool stall = false;

    std::size_t largest_jpeg() const;
};

// Parses `text`. A bad value keeps that key's default (and says so under
// FAKE_V4L2_DEBUG): a test typo must not turn into a crash inside the program
// under test. A relative frames= folder is taken from `device_dir`.
Description parse_description(const std::string& text, const std::string& device_dir);

// The whole content of a file read through the real libc, false on failure.
bool read_whole_file(int fd, std::string& text);

// "MJPG" -> V4L2_PIX_FMT_MJPEG; 0 for a format the fake does not produce.
std::uint32_t fourcc_from_name(const std::string& name);

}  // namespace fake_v4l2
