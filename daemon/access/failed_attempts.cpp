// FailedAttempts: see failed_attempts.hpp.
#include "access/failed_attempts.hpp"

namespace camstream {

std::optional<FailedAttempts::Clock::duration> FailedAttempts::blocked(std::string_view host,
                                                                       Clock::time_point now) const {
    const auto found = windows_.find(host);
    if (found == windows_.end() || now - found->second.started >= kWindow || found->second.failures < max_) {
        return std::nullopt;
    }
    return found->second.started + kWindow - now;
}

void FailedAttempts::failed(std::string_view host, Clock::time_point now) {
    auto found = windows_.find(host);
    if (found == windows_.end()) {
        if (windows_.size() >= kMaxAddresses) forget_old(now);
        // Still full of live windows: the oldest goes; an attacker gains a retry at most.
        if (windows_.size() >= kMaxAddresses) windows_.erase(windows_.begin());
        found = windows_.emplace(std::string(host), Window{now, 0}).first;
    }
    auto& window = found->second;
    if (now - window.started >= kWindow) window = Window{now, 0};
    ++window.failures;
}

void FailedAttempts::forget_old(Clock::time_point now) {
    std::erase_if(windows_, [&](const auto& entry) { return now - entry.second.started >= kWindow; });
}

}  // namespace camstream
