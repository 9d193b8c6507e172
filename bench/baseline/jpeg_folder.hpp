// JpegFolder: the baseline server's frames, the same folder of JPEG files the
// daemon's file: source serves, loaded once into memory.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace camstream::bench {

struct JpegFolder {
    std::vector<std::vector<std::uint8_t>> jpegs;  // sorted by file name, like the daemon
    std::uint16_t width = 0;
    std::uint16_t height = 0;
};

// Loads every .jpg/.jpeg file; empty with a reason in `error` if none or unreadable.
std::optional<JpegFolder> load_jpeg_folder(const std::string& path, std::string& error);

}  // namespace camstream::bench
