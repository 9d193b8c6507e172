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

}  // namespace camstream
