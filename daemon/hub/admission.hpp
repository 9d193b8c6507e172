// Admission: the one step every viewer passes, whatever protocol it speaks,
// before it is sent a single frame, and the limits on connections that have not
// yet said who they are. Each protocol presents what the connection told it
// (who, with what credential, at what rate); the answer is the same for all.
// That is server.max_viewers and, with access.mode "tokens", the viewer's token,
// its limits and the failed attempts of its address.
#pragma once

#include "access/failed_attempts.hpp"
#include "access/token_store.hpp"

#include <cstdint>
#include <map>
#include <memory>
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
    rate_limited,      // too many failed credentials from the address lately
    stream_limit,      // the viewer's token already has its max_streams
};
inline constexpr std::size_t kRejectionKinds = 9;

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
    std::string_view host;                // the address alone: what failed attempts are counted by
    std::optional<std::string> credential;  // a token, when the viewer sent one
    std::uint16_t max_fps = 0;            // 0 = as fast as the source
};

struct AdmissionDecision {
    std::optional<Rejection> refused;
    std::string detail;        // for the viewer and the log, when refused
    std::uint16_t max_fps = 0;  // the rate the viewer gets
    std::string identity;       // the token's name, when access control named the viewer
    TokenHash credential{};     // the hash of the token it was admitted with
    explicit operator bool() const { return !refused; }
};

// Who may watch (access.*). The store is shared: a reload swaps in a new one.
struct AccessPolicy {
    bool tokens = false;  // access.mode "tokens"
    std::shared_ptr<const TokenStore> store;
    int max_failures = 10;  // per address and minute
};

class Admission {
public:
    Admission(int max_viewers, GreetingLimits greeting, AccessPolicy access = {})
        : max_viewers_(max_viewers), greeting_(greeting), access_(std::move(access)),
          failures_(access_.max_failures) {}

    // A viewer asks to stream: its credential, then the viewer limits. An
    // admitted viewer holds one of its token's streams until released().
    AdmissionDecision decide(const Presented& presented, int viewers_now);
    // A request that is no stream (an HTTP snapshot or page): its credential only.
    AdmissionDecision check_credential(const Presented& presented);
    // A viewer admitted as `identity` has left.
    void released(const std::string& identity);
    // After a reload: may a viewer admitted as `identity` with `credential` go
    // on watching? Not when the name is gone, nor when it has a new token.
    bool still_allowed(const std::string& identity, const TokenHash& credential) const;

    // A new connection from an address that has `from_address` connections
    // greeting, of `total` greeting in all: refused, or nullopt to let it in.
    std::optional<AdmissionDecision> may_greet(int from_address, int total) const;
    void set_limits(int max_viewers, GreetingLimits greeting) {
        max_viewers_ = max_viewers;
        greeting_ = greeting;
    }
    void set_access(AccessPolicy access) {
        access_ = std::move(access);
        failures_.set_limit(access_.max_failures);
    }

private:
    int max_viewers_;
    GreetingLimits greeting_;
    AccessPolicy access_;
    FailedAttempts failures_;
    std::map<std::string, int, std::less<>> streams_by_identity_;
};

}  // namespace camstream
