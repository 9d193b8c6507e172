// RefusalLog: see refusal_log.hpp.
#include "hub/refusal_log.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace camstream {

void RefusalLog::refused(Clock::time_point now, std::string_view peer, std::string_view host, Rejection why,
                         std::string_view reason) {
    flush(now);
    if (lines_ < lines_per_interval_) {
        ++lines_;
        spdlog::warn("viewer {} rejected: {}", peer, reason);
        if (lines_ == lines_per_interval_) {
            spdlog::warn("more refusals in the next {} s are summarized",
                         std::chrono::duration_cast<std::chrono::seconds>(interval_start_ + interval_ - now).count());
        }
        return;
    }
    ++unlogged_;
    ++unlogged_by_reason_[static_cast<std::size_t>(why)];
    // Bounded: a summary names only the busiest host, so a spread-out flood
    // must not grow this map without end.
    if (unlogged_by_host_.size() < 1024 || unlogged_by_host_.contains(host)) ++unlogged_by_host_[std::string(host)];
}

void RefusalLog::flush(Clock::time_point now) {
    if (now - interval_start_ < interval_) return;
    if (unlogged_ > 0) {
        std::string reasons;
        for (std::size_t i = 0; i < kRejectionKinds; ++i) {
            if (unlogged_by_reason_[i] == 0) continue;
            reasons += (reasons.empty() ? "" : ", ") + std::to_string(unlogged_by_reason_[i]) + " " +
                       std::string(to_string(static_cast<Rejection>(i)));
        }
        const auto busiest = std::max_element(unlogged_by_host_.begin(), unlogged_by_host_.end(),
                                              [](const auto& a, const auto& b) { return a.second < b.second; });
        spdlog::warn("refused {} more connections in the last {} s ({}); most from {} ({})", unlogged_,
                     std::chrono::duration_cast<std::chrono::seconds>(now - interval_start_).count(), reasons,
                     busiest->first, busiest->second);
    }
    interval_start_ = now;
    lines_ = 0;
    unlogged_ = 0;
    unlogged_by_reason_ = {};
    unlogged_by_host_.clear();
}

}  // namespace camstream
