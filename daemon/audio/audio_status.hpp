// What the audio capture thread tells the event loop about itself besides
// packets: its running totals and state (newest wins), and the format of the
// packets it makes.
#pragma once

#include "wire.hpp"

#include <cstdint>
#include <string>

namespace camstream {

struct AudioStatus {
    wire::SourceState state = wire::SourceState::starting;
    std::uint64_t packets_read = 0;     // 20 ms packets taken from the source, listened to or not
    std::uint64_t packets_encoded = 0;  // made into Opus packets (only while someone listens)
    std::uint64_t packets_dropped = 0;  // encoded, but dropped because the loop fell behind
    std::uint64_t overruns = 0;         // the source lost samples (an ALSA overrun)
    std::int64_t last_capture_us = 0;   // wall clock of the last packet's first sample; 0 before the first
    std::string last_error{};           // why the source last failed to open or to read; empty if never
};

struct AudioFormat {
    int sample_rate = 48000;
    int channels = 1;
    int bitrate = 0;  // Opus, bits per second
    // Samples a decoder drops at the start (the encoder's look-ahead): Ogg's pre-skip.
    int pre_skip = 312;
};

}  // namespace camstream
