// What a capture thread tells the event loop about itself, besides frames:
// its running totals and state (newest wins), and the source it opened.
#pragma once

#include "wire.hpp"

#include <cstdint>
#include <string>

namespace camstream {

struct CaptureStatus {
    wire::SourceState state = wire::SourceState::starting;
    std::uint64_t frames_captured = 0;
    std::uint64_t frames_encoded = 0;         // JPEG encodes done
    std::uint64_t frames_passed_through = 0;  // the camera's own JPEGs, sent as they were
    std::uint64_t frames_broken = 0;          // received from the source but dropped as broken
    std::uint64_t last_sequence = 0;   // of the last frame grabbed
    std::int64_t last_capture_us = 0;  // wall clock of the last frame grabbed; 0 before the first
};

// What an open source delivers, known once open() succeeded.
struct SourceInfo {
    std::string description;
    int width = 0;
    int height = 0;
    double fps = 0;
};

}  // namespace camstream
