// Admission: see admission.hpp.
#include "hub/admission.hpp"

#include <spdlog/spdlog.h>

namespace camstream {

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
    if (!access_.tokens) {
        // A viewer that sends a token believes it is protected: say plainly that it is not.
        if (presented.credential && !presented.credential->empty()) {
            spdlog::warn("viewer {} presented a token, but access control is off: the token is not checked",
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
    // The token itself is never repeated: not to the client, not to the log.
    const TokenEntry* entry = nullptr;
    if (!presented.credential || presented.credential->empty()) {
        decision.detail = "a token is required";
    } else if (entry = access_.store ? access_.store->find(*presented.credential) : nullptr; entry == nullptr) {
        decision.detail = "the token is not valid";
    }
    if (entry == nullptr) {
        failures_.failed(presented.host, now);
        decision.refused = Rejection::unauthorized;
        return decision;
    }
    decision.identity = entry->name;
    decision.credential = entry->hash;
    if (entry->max_fps > 0 && (decision.max_fps == 0 || decision.max_fps > entry->max_fps)) {
        decision.max_fps = entry->max_fps;
    }
    return decision;
}

AdmissionDecision Admission::decide(const Presented& presented, int viewers_now) {
    auto decision = check_credential(presented);
    if (!decision) return decision;
    if (viewers_now >= max_viewers_) {
        decision.refused = Rejection::server_full;
        decision.detail = "server.max_viewers (" + std::to_string(max_viewers_) + ") reached";
        return decision;
    }
    if (decision.identity.empty()) return decision;
    const auto* entry = access_.store->find_name(decision.identity);
    auto& streams = streams_by_identity_[decision.identity];
    if (entry->max_streams > 0 && streams >= entry->max_streams) {
        decision.refused = Rejection::stream_limit;
        decision.detail = "token '" + decision.identity + "' already has " + std::to_string(streams) +
                          " streams, its limit";
        return decision;
    }
    ++streams;
    return decision;
}

void Admission::released(const std::string& identity) {
    if (identity.empty()) return;
    if (const auto found = streams_by_identity_.find(identity);
        found != streams_by_identity_.end() && --found->second <= 0) {
        streams_by_identity_.erase(found);
    }
}

bool Admission::still_allowed(const std::string& identity, const TokenHash& credential) const {
    if (!access_.tokens) return true;
    const auto* entry = identity.empty() || !access_.store ? nullptr : access_.store->find_name(identity);
    return entry != nullptr && entry->hash == credential;
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
