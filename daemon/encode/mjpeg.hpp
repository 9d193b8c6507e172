// What a camera's MJPEG frame must be before it is sent as is: whole (a USB
// transfer cut short leaves a JPEG without its end), and decodable anywhere
// (UVC cameras may omit the Huffman tables, as Motion-JPEG allows but a JPEG
// file may not: libjpeg-turbo guesses the standard ones, stricter decoders
// refuse the picture, so the standard ones are put back).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace camstream {

// The length of the JPEG in `bytes` without the zero padding some cameras
// append after its end marker, or 0 when it does not start with SOI and end
// with EOI.
std::size_t whole_jpeg_length(std::span<const std::uint8_t> bytes);

// Whether a DHT segment comes before the first scan. False as well for bytes
// whose markers cannot be walked up to a scan.
bool has_huffman_tables(std::span<const std::uint8_t> jpeg);

// `jpeg` with the standard Huffman tables (ITU T.81 Annex K, which every
// MJPEG camera that omits them uses) inserted before its first scan; empty
// when the markers cannot be walked up to a scan.
std::vector<std::uint8_t> with_standard_huffman_tables(std::span<const std::uint8_t> jpeg);

}  // namespace camstream
