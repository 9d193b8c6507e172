// The audio-video sync marker: the test pattern flashes and the tone source
// beeps during the first 100 ms of every wall-clock second, so one recording
// shows how far apart a viewer plays the two. Both read this one definition.
#pragma once

#include <cstdint>

namespace camstream {

inline constexpr std::int64_t kSyncFlashUs = 100'000;

// wall_us: microseconds since the Unix epoch (media/clock.hpp).
inline bool in_sync_flash(std::int64_t wall_us) {
    return wall_us % 1'000'000 < kSyncFlashUs;
}

}  // namespace camstream
