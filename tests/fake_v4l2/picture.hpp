// What a fake frame holds: the buffer geometry of each format (bytesperline,
// sizeimage) and the bytes of the n-th delivered frame, served from the
// description's JPEG files or synthesized for the YUV formats.
#pragma once

#include "description.hpp"

#include <linux/videodev2.h>

#include <cstddef>
#include <cstdint>

namespace fake_v4l2 {

// A complete single-planar format for `fourcc` at width x height, as S_FMT answers it.
v4l2_pix_format pixel_format(std::uint32_t fourcc, std::uint32_t width, std::uint32_t height,
                             std::size_t largest_jpeg);

const char* format_description(std::uint32_t fourcc);

// Writes delivered frame number `delivered` (counting from 1) into `memory`
// and returns how many bytes it used (never more than `capacity`).
std::size_t fill_frame(const Description& description, const v4l2_pix_format& format,
                       std::uint64_t delivered, std::uint8_t* memory, std::size_t capacity);

}  // namespace fake_v4l2
