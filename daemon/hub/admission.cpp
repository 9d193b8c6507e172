// Admission: see admission.hpp.
#include "hub/admission.hpp"

#include "access/watch_time.hpp"
#include "media/clock.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace camstream {
namespace {

std::string streams_key(const Grant& grant) {
    return (grant.kind == Grant::Kind::token ? "token:" : "ticket:") + grant.name;
}

std::uint16_t capped(std::uint16_t asked, int cap) {
    if (cap <= 0 || (asked != 0 && asked <= cap)) return asked;
    return static_cast<std::uint16_t>(cap);
}

}  // namespace

std::string_view to_string(Rejection rejection) {
    switch (rejection) {
        case Rejection::server_full: return "server_full";
        case Rejection::unauthorized: return "unauthorized";
        case Rejection::bad_hello: return "bad_hello";
        case Rejection::hello_timeout: return "hello_timeout";
        case Rejection::address_limit: return "address_limit";
        case Rejection::greeting_limit: return "greeting_limit";
        case Rejection::no_descriptors: return "no_descriptors";
        case Rejection::rate_limited: return "rate_limited";
        case Rejection::stream_limit: return "stream_limit";
    }
    return "unknown";
}

AdmissionDecision Admission::check_credential(const Presented& presented) {
    AdmissionDecision decision;
    decision.max_fps = presented.max_fps;
    if (!access_.tokens && !access_.tickets) {
        // A viewer that sends a credential believes it is protected: say plainly that it is not.
        if (presented.credential && !presented.credential->empty()) {
            spdlog::warn("viewer {} presented a credential, but access control is off: it is not checked",
                         presented.peer);
        }
        return decision;
    }
    const auto now = FailedAttempts::Clock::now();
    if (const auto wait = failures_.blocked(presented.host, now)) {
        decision.refused = Rejection::rate_limited;
        const auto seconds = std::chrono::ceil<std::chrono::seconds>(*wait).count();
        decision.detail = "too many failed attempts from this address; try again in " + std::to_string(seconds) + " s";
        return decision;
    }
    // The credential itself is never repeated: not to the client, not to the log.
    const bool has_credential = presented.credential && !presented.credential->empty();
    bool authentic = false;  // a genuine ticket refused (expired, revoked, ...) is no guess
    if (!has_credential) {
        decision.detail = access_.tokens && access_.tickets ? "a token or ticket is required"
                          : access_.tickets                 ? "a ticket is required"
                                                            : "a token is required";
    } else if (access_.tickets && (!access_.tokens || looks_like_ticket(*presented.credential))) {
        decision = check_ticket(presented, wall_clock_us(), authentic);
    } else if (const auto* entry = access_.store ? access_.store->find(*presented.credential) : nullptr) {
        auto& grant = decision.grant;
        grant.kind = Grant::Kind::token;
        grant.name = entry->name;
        grant.token_hash = entry->hash;
        grant.max_streams = entry->max_streams;
        decision.max_fps = capped(presented.max_fps, entry->max_fps);
    } else {
        decision.detail = "the token is not valid";
    }
    if (decision.grant.kind == Grant::Kind::open) {
        if (!authentic) failures_.failed(presented.host, now);
        decision.refused = Rejection::unauthorized;
    }
    return decision;
}

AdmissionDecision Admission::check_ticket(const Presented& presented, std::int64_t now_us, bool& authentic) const {
    AdmissionDecision decision;
    const TicketRules rules{.now = now_us / 1'000'000, .leeway = access_.leeway_seconds, .audience = access_.audience};
    static const TicketKeys no_keys;
    auto reading = verify_ticket(*presented.credential, access_.keys ? *access_.keys : no_keys, rules);
    authentic = reading.authentic;
    if (!reading.ticket) {
        decision.detail = std::move(reading.error);
        return decision;
    }
    const auto& ticket = *reading.ticket;
    Grant grant;
    grant.kind = Grant::Kind::ticket;
    grant.name = ticket.id;
    grant.subject = ticket.subject;
    grant.key_id = ticket.key_id;
    grant.public_key = ticket.public_key;
    grant.audience = ticket.audience;
    grant.expires = ticket.expires;
    grant.minutes = ticket.plan == Ticket::Plan::minutes ? ticket.minutes : 0;
    grant.max_streams = ticket.max_streams;
    if (access_.revoked && access_.revoked->contains(ticket.id)) {
        decision.detail = "ticket was revoked";
    } else if (auto why = out_of_time(grant, now_us)) {
        decision.detail = std::move(*why);
    } else {
        decision.grant = std::move(grant);
        decision.max_fps = capped(presented.max_fps, ticket.max_fps);
    }
    return decision;
}

std::optional<std::string> Admission::out_of_time(const Grant& grant, std::int64_t now_us) const {
    if (grant.minutes <= 0 || watch_time_ == nullptr) return std::nullopt;
    const auto watched = watch_time_->seconds_watched(grant.name, now_us);
    // A ticket whose past use cannot be read is refused: minutes are what the
    // viewer paid for, and an unreadable ledger must not give them away.
    if (!watched) return std::string("ticket's watch time cannot be counted now (the ledger cannot be read)");
    if (*watched >= grant.minutes * 60.0) return std::string("ticket has no watch time left");
    return std::nullopt;
}

AdmissionDecision Admission::decide(const Presented& presented, int viewers_now) {
    auto decision = check_credential(presented);
    if (!decision) return decision;
    if (viewers_now >= max_viewers_) {
        decision.refused = Rejection::server_full;
        decision.detail = "server.max_viewers (" + std::to_string(max_viewers_) + ") reached";
        return decision;
    }
    const auto& grant = decision.grant;
    if (grant.kind == Grant::Kind::open) return decision;
    auto& streams = streams_[streams_key(grant)];
    if (grant.max_streams > 0 && streams >= grant.max_streams) {
        decision.refused = Rejection::stream_limit;
        decision.detail = (grant.kind == Grant::Kind::token ? "token '" : "ticket '") + grant.name +
                          "' already has " + std::to_string(streams) + " streams, its limit";
        return decision;
    }
    ++streams;
    return decision;
}

void Admission::released(const Grant& grant) {
    if (grant.kind == Grant::Kind::open) return;
    if (const auto found = streams_.find(streams_key(grant)); found != streams_.end() && --found->second <= 0) {
        streams_.erase(found);
    }
}

std::optional<std::string> Admission::why_not_allowed(const Grant& grant, std::int64_t now_us) const {
    switch (grant.kind) {
        case Grant::Kind::open:
            if (!access_.tokens && !access_.tickets) return std::nullopt;
            return std::string("access control now requires a token or ticket");
        case Grant::Kind::token: {
            const auto* entry = access_.tokens && access_.store ? access_.store->find_name(grant.name) : nullptr;
            if (entry != nullptr && entry->hash == grant.token_hash) return std::nullopt;
            return "token '" + grant.name + "' was revoked";
        }
        case Grant::Kind::ticket: {
            if (!access_.tickets) return std::string("tickets are no longer accepted (access.mode)");
            // Its key removed, or replaced under the same id: the ticket is as revoked.
            const auto* key = access_.keys ? access_.keys->find(grant.key_id) : nullptr;
            if ((access_.revoked && access_.revoked->contains(grant.name)) || key == nullptr ||
                key->public_key != grant.public_key) {
                return "ticket '" + grant.name + "' was revoked";
            }
            if (!grant.audience.empty() &&
                std::find(grant.audience.begin(), grant.audience.end(), access_.audience) == grant.audience.end()) {
                return std::string("ticket is for another camera");
            }
            if (now_us / 1'000'000 >= grant.expires + access_.leeway_seconds) return std::string("ticket expired");
            return out_of_time(grant, now_us);
        }
    }
    return std::nullopt;
}

std::optional<AdmissionDecision> Admission::may_greet(int from_address, int total) const {
    AdmissionDecision refusal;
    if (from_address >= greeting_.per_address) {
        refusal.refused = Rejection::address_limit;
        refusal.detail = "too many connections from this address still greeting (limit " +
                         std::to_string(greeting_.per_address) + ")";
        return refusal;
    }
    if (total >= greeting_.total) {
        refusal.refused = Rejection::greeting_limit;
        refusal.detail = "too many connections still greeting (limit " + std::to_string(greeting_.total) + ")";
        return refusal;
    }
    return std::nullopt;
}

}  // namespace camstream
