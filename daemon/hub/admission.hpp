// Admission: the one step every viewer passes, whatever protocol it speaks,
// before it is sent a single frame, and the limits on connections that have not
// yet said who they are. Each protocol presents what the connection told it
// (who, with what credential, at what rate); the answer is the same for all.
// That is server.max_viewers and, with access control, the viewer's token or
// ticket, its limits and watch time, and the failed attempts of its address.
#pragma once

#include "access/failed_attempts.hpp"
#include "access/grant.hpp"
#include "access/revoked_tickets.hpp"
#include "access/ticket.hpp"
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
    std::optional<std::string> credential;  // a token or ticket, when the viewer sent one
    std::uint16_t max_fps = 0;            // 0 = as fast as the source
    bool audio = false;                   // the viewer asked for audio
    bool video = true;                    // false: a listener only (HTTP /audio)
};

struct AdmissionDecision {
    std::optional<Rejection> refused;
    std::string detail;        // for the viewer and the log, when refused
    std::uint16_t max_fps = 0;  // the rate the viewer gets
    bool audio = false;         // the viewer gets audio: it asked, and the server has audio
    Grant grant;
    explicit operator bool() const { return !refused; }
};

class WatchTime;

// Who may watch (access.*). The files' contents are shared: a reload swaps in new ones.
struct AccessPolicy {
    bool tokens = false;   // access.mode has tokens
    bool tickets = false;  // access.mode has tickets
    std::shared_ptr<const TokenStore> store;
    std::shared_ptr<const TicketKeys> keys;
    std::shared_ptr<const RevokedTickets> revoked;
    std::int64_t leeway_seconds = 30;
    std::string audience;
    int max_failures = 10;  // per address and minute
};

class Admission {
public:
    // watch_time (may be null: no minutes budgets) says how long a ticket has been watched.
    Admission(int max_viewers, GreetingLimits greeting, AccessPolicy access = {}, const WatchTime* watch_time = nullptr)
        : max_viewers_(max_viewers), greeting_(greeting), access_(std::move(access)),
          failures_(access_.max_failures), watch_time_(watch_time) {}

    // A viewer asks to stream: its credential, then the viewer limits. An
    // admitted viewer holds one of its token's or ticket's streams until released().
    AdmissionDecision decide(const Presented& presented, int viewers_now);
    // A request that is no stream (an HTTP snapshot or page): its credential only.
    AdmissionDecision check_credential(const Presented& presented);
    // A viewer admitted with `grant` has left.
    void released(const Grant& grant);
    // May a viewer admitted with `grant` go on watching (after a reload, as
    // time passes)? nullopt when it may, else why not: its token removed or
    // given anew, its ticket revoked (or its key no longer trusted), expired
    // or out of watch time, or access control turned on.
    std::optional<std::string> why_not_allowed(const Grant& grant, std::int64_t now_us) const;

    // A new connection from an address that has `from_address` connections
    // greeting, of `total` greeting in all: refused, or nullopt to let it in.
    std::optional<AdmissionDecision> may_greet(int from_address, int total) const;
    void set_limits(int max_viewers, GreetingLimits greeting) {
        max_viewers_ = max_viewers;
        greeting_ = greeting;
    }
    void set_watch_time(const WatchTime* watch_time) { watch_time_ = watch_time; }
    void set_access(AccessPolicy access) {
        access_ = std::move(access);
        failures_.set_limit(access_.max_failures);
    }

private:
    // authentic: whether the ticket's signature verified (a refusal then is no guess).
    AdmissionDecision check_ticket(const Presented& presented, std::int64_t now_us, bool& authentic) const;
    // Why a minutes ticket may not watch now: its time is used up, or cannot be counted.
    std::optional<std::string> out_of_time(const Grant& grant, std::int64_t now_us) const;

    int max_viewers_;
    GreetingLimits greeting_;
    AccessPolicy access_;
    FailedAttempts failures_;
    const WatchTime* watch_time_;
    // Streams open per token ("token:NAME") and per ticket ("ticket:ID").
    std::map<std::string, int, std::less<>> streams_;
};

}  // namespace camstream
