// LoadSettings: what one load-generator run does, filled from the command line
// and validated once; the run itself never re-checks them.
#pragma once

#include "loopback_address.hpp"
#include "viewer_protocol.hpp"

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace camstream::bench {

// Which protocol the run's viewers speak: all one, or half each (alternating
// within each role, so fast, stalled, churn and idle connections split evenly).
enum class ProtocolMix { tcp, http, mixed };

struct LoadSettings {
    std::optional<LoopbackAddress> target;       // the wire-protocol listener (tcp, mixed)
    std::optional<LoopbackAddress> http_target;  // the HTTP listener (http, mixed)
    ProtocolMix protocols = ProtocolMix::tcp;
    int viewers = 1;
    int stalled = 0;          // of `viewers`: stop reading after the handshake
    bool trickle = false;     // stalled viewers read a trickle instead of nothing
    bool audio = false;       // TCP viewers (steady and churn) ask for audio in their hello
    double duration_s = 10;   // hard bound on the whole run
    double warmup_s = 2;      // after everyone connected, excluded from rates
    pid_t daemon_pid = 0;     // 0: no process figures
    double churn_rate = 0;    // extra connect + hello + close per second
    // With churn: after the warm-up, the daemon's CPU is first measured this
    // long without churn (the run's own baseline); churn starts after it, and
    // the window opens kChurnSettleSeconds later. 0: churn starts as soon as
    // everyone is connected, and no baseline is measured.
    double quiet_baseline_s = 0;
    double source_fps = 0;    // 0: the nominal rate the server announces
    int idle = 0;             // connections that never send a hello; replaced as the server closes them
    double idle_rate = 10;    // at most this many idle connections opened per second
    std::optional<LoopbackAddress> bind;  // local address of every connection (default: the kernel's choice)
    // --credentials: tokens or tickets, one per line of the file; empty: viewers present none.
    std::string credentials_file;
    std::vector<std::string> credentials;

    // The credential of the n-th steady viewer (fast or stalled, in connection
    // order) and of the n-th churn connection; empty without --credentials.
    // Steady viewer i uses line i mod N. Churn connections cycle through the
    // lines no steady viewer holds (lines V..N-1 for V steady viewers), so a
    // ticket limited to one stream is never presented by two connections at
    // once; with no such line left they cycle through all N.
    const std::string& credential_of_steady(std::uint64_t nth) const {
        static const std::string none;
        if (credentials.empty()) return none;
        return credentials[nth % credentials.size()];
    }
    const std::string& credential_of_churn(std::uint64_t nth) const {
        static const std::string none;
        if (credentials.empty()) return none;
        const auto held = static_cast<std::uint64_t>(viewers);
        const auto count = static_cast<std::uint64_t>(credentials.size());
        if (held >= count) return credentials[nth % count];
        return credentials[held + nth % (count - held)];
    }

    // The protocol of a role's n-th connection, and where it connects.
    ProtocolKind protocol_of(std::uint64_t nth_of_its_role) const {
        switch (protocols) {
            case ProtocolMix::tcp: return ProtocolKind::tcp;
            case ProtocolMix::http: return ProtocolKind::http_mjpeg;
            case ProtocolMix::mixed: break;
        }
        return nth_of_its_role % 2 == 0 ? ProtocolKind::tcp : ProtocolKind::http_mjpeg;
    }
    const LoopbackAddress& target_of(ProtocolKind kind) const {
        return kind == ProtocolKind::http_mjpeg ? *http_target : *target;
    }
};

std::string_view protocol_mix_name(ProtocolMix mix);

// Limits that keep every run bounded whatever it is asked. An hour, so that
// bench/soak can keep its steady viewers connected for the whole soak.
inline constexpr double kMaxDurationSeconds = 3600;
inline constexpr int kMaxViewers = 20000;
inline constexpr double kMaxChurnRate = 2000;
inline constexpr int kMaxIdle = 1000;
inline constexpr double kMaxIdleRate = 1000;
inline constexpr std::size_t kMaxCredentials = 100000;
inline constexpr double kChurnSettleSeconds = 1.0;

// Parses argv; on failure prints why and sets exit_code (2 for a refused target).
std::optional<LoadSettings> parse_load_settings(int argc, char** argv, int& exit_code);

}  // namespace camstream::bench
