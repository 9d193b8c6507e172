// Frame contents and buffer geometry (see picture.hpp).
#include "picture.hpp"

#include <algorithm>
#include <cstring>

namespace fake_v4l2 {

namespace {

// The synthesized picture: luma is a diagonal ramp that shifts by one step per
// frame, chroma is neutral except for a coloured vertical bar that moves right
// by kBarStep pixels per frame. Tests can recompute any byte from the frame number.
constexpr std::uint32_t kBarWidth = 16;
constexpr std::uint32_t kBarStep = 4;
constexpr std::uint8_t kBarU = 0x40;
constexpr std::uint8_t kBarV = 0xC0;
constexpr std::uint8_t kNeutral = 0x80;

std::uint8_t luma(std::uint32_t x, std::uint32_t y, std::uint64_t frame) {
    return static_cast<std::uint8_t>((x + y + frame) & 0xFF);
}

bool in_bar(std::uint32_t x, std::uint32_t width, std::uint64_t frame) {
    const std::uint64_t start = (frame * kBarStep) % width;
    const std::uint64_t offset = (x + width - start) % width;
    return offset < kBarWidth;
}

std::uint8_t chroma_u(std::uint32_t x, std::uint32_t width, std::uint64_t frame) {
    return in_bar(x, width, frame) ? kBarU : kNeutral;
}

std::uint8_t chroma_v(std::uint32_t x, std::uint32_t width, std::uint64_t frame) {
    return in_bar(x, width, frame) ? kBarV : kNeutral;
}

std::size_t fill_yuyv(const v4l2_pix_format& format, std::uint64_t frame, std::uint8_t* out) {
    for (std::uint32_t y = 0; y < format.height; ++y) {
        std::uint8_t* row = out + static_cast<std::size_t>(y) * format.bytesperline;
        for (std::uint32_t x = 0; x < format.width; x += 2) {  // bytesperline rounds an odd width up
            row[x * 2] = luma(x, y, frame);
            row[x * 2 + 1] = chroma_u(x, format.width, frame);
            row[x * 2 + 2] = luma(x + 1, y, frame);
            row[x * 2 + 3] = chroma_v(x, format.width, frame);
        }
    }
    return format.sizeimage;
}

// NV12 (interleaved UV plane) and YU12 (U plane then V plane), both 4:2:0.
std::size_t fill_420(const v4l2_pix_format& format, std::uint64_t frame, std::uint8_t* out) {
    const std::uint32_t width = format.width;
    const std::uint32_t height = format.height;
    for (std::uint32_t y = 0; y < height; ++y) {
        for (std::uint32_t x = 0; x < width; ++x) out[static_cast<std::size_t>(y) * width + x] = luma(x, y, frame);
    }
    const std::uint32_t chroma_width = (width + 1) / 2;
    const std::uint32_t chroma_height = (height + 1) / 2;
    std::uint8_t* chroma = out + static_cast<std::size_t>(width) * height;
    const std::size_t plane = static_cast<std::size_t>(chroma_width) * chroma_height;
    for (std::uint32_t y = 0; y < chroma_height; ++y) {
        for (std::uint32_t x = 0; x < chroma_width; ++x) {
            const std::size_t at = static_cast<std::size_t>(y) * chroma_width + x;
            const auto u = chroma_u(x * 2, width, frame);
            const auto v = chroma_v(x * 2, width, frame);
            if (format.pixelformat == V4L2_PIX_FMT_NV12) {
                chroma[at * 2] = u;
                chroma[at * 2 + 1] = v;
            } else {
                chroma[at] = u;
                chroma[plane + at] = v;
            }
        }
    }
    return format.sizeimage;
}

}  // namespace

v4l2_pix_format pixel_format(std::uint32_t fourcc, std::uint32_t width, std::uint32_t height,
                             std::size_t largest_jpeg) {
    v4l2_pix_format format{};
    format.width = width;
    format.height = height;
    format.pixelformat = fourcc;
    format.field = V4L2_FIELD_NONE;
    format.colorspace = V4L2_COLORSPACE_SRGB;
    const std::size_t pixels = static_cast<std::size_t>(width) * height;
    const std::size_t chroma = static_cast<std::size_t>((width + 1) / 2) * ((height + 1) / 2) * 2;
    switch (fourcc) {
    case V4L2_PIX_FMT_YUYV:
        format.bytesperline = ((width + 1) & ~1U) * 2;
        format.sizeimage = format.bytesperline * height;
        break;
    case V4L2_PIX_FMT_NV12:
    case V4L2_PIX_FMT_YUV420:
        format.bytesperline = width;
        format.sizeimage = static_cast<std::uint32_t>(pixels + chroma);
        break;
    default:  // MJPEG: a compressed frame has no line length, and any size up to the bound
        format.bytesperline = 0;
        format.sizeimage = static_cast<std::uint32_t>(std::max(pixels * 2, largest_jpeg));
        break;
    }
    return format;
}

const char* format_description(std::uint32_t fourcc) {
    switch (fourcc) {
    case V4L2_PIX_FMT_MJPEG: return "Motion-JPEG";
    case V4L2_PIX_FMT_YUYV: return "YUYV 4:2:2";
    case V4L2_PIX_FMT_NV12: return "Y/UV 4:2:0";
    case V4L2_PIX_FMT_YUV420: return "Planar YUV 4:2:0";
    default: return "Unknown";
    }
}

std::size_t fill_frame(const Description& description, const v4l2_pix_format& format,
                       std::uint64_t delivered, std::uint8_t* memory, std::size_t capacity) {
    const std::uint64_t frame = delivered - 1;
    if (format.pixelformat != V4L2_PIX_FMT_MJPEG) {
        if (capacity < format.sizeimage) return 0;  // buffers older than the format: nothing fits
        return format.pixelformat == V4L2_PIX_FMT_YUYV ? fill_yuyv(format, frame, memory)
                                                      : fill_420(format, frame, memory);
    }
    if (description.jpegs.empty()) return 0;
    const auto& jpeg = description.jpegs[frame % description.jpegs.size()];
    std::size_t used = jpeg.size();
    // A broken USB transfer: the frame ends halfway, without its EOI marker.
    if (description.corrupt_every != 0 && delivered % description.corrupt_every == 0) used /= 2;
    used = std::min(used, capacity);
    std::memcpy(memory, jpeg.data(), used);
    return used;
}

}  // namespace fake_v4l2
