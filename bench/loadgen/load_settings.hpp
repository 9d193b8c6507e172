// LoadSettings: what one load-generator run does, filled from the command line
// and validated once; the run itself never re-checks them.
#pragma once

#include "loopback_address.hpp"
#include "viewer_protocol.hpp"

#include <sys/types.h>

#include <optional>
#include <string>

namespace camstream::bench {

struct LoadSettings {
    LoopbackAddress target;
    ProtocolKind protocol = ProtocolKind::tcp;
    int viewers = 1;
    int stalled = 0;          // of `viewers`: stop reading after the handshake
    bool trickle = false;     // stalled viewers read a trickle instead of nothing
    double duration_s = 10;   // hard bound on the whole run
    double warmup_s = 2;      // after everyone connected, excluded from rates
    pid_t daemon_pid = 0;     // 0: no process figures
    double churn_rate = 0;    // extra connect + hello + close per second
    double source_fps = 0;    // 0: the nominal rate the server announces
    int idle = 0;             // connections that never send a hello; replaced as the server closes them
    double idle_rate = 10;    // at most this many idle connections opened per second
    std::optional<LoopbackAddress> bind;  // local address of every connection (default: the kernel's choice)
};

// Limits that keep every run bounded whatever it is asked. An hour, so that
// bench/soak can keep its steady viewers connected for the whole soak.
inline constexpr double kMaxDurationSeconds = 3600;
inline constexpr int kMaxViewers = 20000;
inline constexpr double kMaxChurnRate = 2000;
inline constexpr int kMaxIdle = 1000;
inline constexpr double kMaxIdleRate = 1000;

// Parses argv; on failure prints why and sets exit_code (2 for a refused target).
std::optional<LoadSettings> parse_load_settings(int argc, char** argv, int& exit_code);

}  // namespace camstream::bench
