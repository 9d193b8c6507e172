// Admission: the one step every viewer passes, whatever protocol it speaks,
// before it is sent a single frame, and the limits on connections that have not
// yet said who they are. Each protocol presents what the connection told it
// (who, with what credential, at what rate); the answer is the same for all.
// Today that is server.max_viewers; access control adds its checks here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace camstream {

// Why a connection was refused: one counter each, and each protocol says it its way.
enum class Rejection : std::uint8_t {
    server_full,       // server.max_viewers reached
    unauthorized,      // a credential was missing or wrong
    bad_hello,         // the connection did not introduce itself as the protocol requires
    hello_timeout,     // ... or not in time
    address_limit,     // too many connections from one address still greeting
    greeting_limit,    // too many connections still greeting in all
    no_descriptors,    // the process ran out of file descriptors
};
inline constexpr std::size_t kRejectionKinds = 7;

// Connections that have not finished introducing themselves hold a socket and
// memory but no viewer slot: they are limited apart from viewers, per address
// so that one host cannot keep everyone else out.
struct GreetingLimits {
    int per_address = 64;
    int total = 256;
};
std::string_view to_string(Rejection rejection);

struct Presented {
    std::string_view protocol;            // "tcp", "http"
    std::string_view peer;                // address:port
    std::optional<std::string> credential;  // a token, when the viewer sent one
    std::uint16_t max_fps = 0;            // 0 = as fast as the source
};

struct AdmissionDecision {
    std::optional<Rejection> refused;
    std::string detail;        // for the viewer and the log, when refused
    std::uint16_t max_fps = 0;  // the rate the viewer gets
    explicit operator bool() const { return !refused; }
};

class Admission {
public:
    Admission(int max_viewers, GreetingLimits greeting) : max_viewers_(max_viewers), greeting_(greeting) {}

    AdmissionDecision decide(const Presented& presented, int viewers_now) const;
    // A new connection from an address that has `from_address` connections
    // greeting, of `total` greeting in all: refused, or nullopt to let it in.
    std::optional<AdmissionDecision> may_greet(int from_address, int total) const;
    void set_limits(int max_viewers, GreetingLimits greeting) {
        max_viewers_ = max_viewers;
        greeting_ = greeting;
    }

private:
    int max_viewers_;
    GreetingLimits greeting_;
};

}  // namespace camstream
