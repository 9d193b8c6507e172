// Wall-clock microseconds: the clock every stage timestamp and the wire use.
#pragma once

#include <chrono>
#include <cstdint>

namespace camstream {

// Microseconds since the Unix epoch: what frames carry, so viewers on other
// machines can compute end-to-end latency against their own clocks.
inline std::int64_t wall_clock_us() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace camstream
