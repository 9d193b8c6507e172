// FailedAttempts: wrong or missing credentials per client address, so that one
// host guessing tokens is stopped (access.max_failures a minute) while everyone
// else is served. Kept on the loop thread; bounded in the addresses it remembers.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace camstream {

class FailedAttempts {
public:
    using Clock = std::chrono::steady_clock;
    static constexpr auto kWindow = std::chrono::minutes(1);

    explicit FailedAttempts(int max_per_window) : max_(max_per_window) {}
    void set_limit(int max_per_window) { max_ = max_per_window; }

    // The address has used up its attempts: how long until it may try again.
    std::optional<Clock::duration> blocked(std::string_view host, Clock::time_point now) const;
    void failed(std::string_view host, Clock::time_point now);

private:
    struct Window {
        Clock::time_point started;
        int failures = 0;
    };
    // Beyond this many addresses the ones whose window is over are forgotten
    // first, so a scan from many addresses cannot grow the map without end.
    static constexpr std::size_t kMaxAddresses = 10000;

    void forget_old(Clock::time_point now);

    int max_;
    std::map<std::string, Window, std::less<>> windows_;
};

}  // namespace camstream
