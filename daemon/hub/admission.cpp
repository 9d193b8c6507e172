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
    }
    return "unknown";
}

AdmissionDecision Admission::decide(const Presented& presented, int viewers_now) const {
    AdmissionDecision decision;
    if (viewers_now >= max_viewers_) {
        decision.refused = Rejection::server_full;
        decision.detail = "server.max_viewers (" + std::to_string(max_viewers_) + ") reached";
        return decision;
    }
    // A viewer that sends a token believes it is protected: say plainly that it is not.
    if (presented.credential && !presented.credential->empty()) {
        spdlog::warn("viewer {} presented a token, but access control is off: the token is not checked",
                     presented.peer);
    }
    decision.max_fps = presented.max_fps;
    return decision;
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
