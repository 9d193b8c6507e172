// RefusalLog: what the log says about refused connections. A flood of refusals
// (thousands a second from one host) must not become thousands of log lines:
// the first few of each interval are logged one by one, the rest are counted
// and summarized, by reason and with the busiest address, once the interval ends.
#pragma once

#include "hub/admission.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace camstream {

class RefusalLog {
public:
    using Clock = std::chrono::steady_clock;

    explicit RefusalLog(Clock::duration interval = std::chrono::seconds(10), int lines_per_interval = 20)
        : interval_(interval), lines_per_interval_(lines_per_interval) {}

    // peer: "address:port"; host: the address alone; reason: the protocol's words.
    void refused(Clock::time_point now, std::string_view peer, std::string_view host, Rejection why,
                 std::string_view reason);
    // Writes the summary of an interval that has ended; call it periodically.
    void flush(Clock::time_point now);

private:
    Clock::duration interval_;
    int lines_per_interval_;
    Clock::time_point interval_start_{};
    int lines_ = 0;
    std::uint64_t unlogged_ = 0;
    std::array<std::uint64_t, kRejectionKinds> unlogged_by_reason_{};
    std::map<std::string, std::uint64_t, std::less<>> unlogged_by_host_;
};

}  // namespace camstream
