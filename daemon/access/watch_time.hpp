// WatchTime: the viewers watching now and what they have watched. It keeps
// one record per live session, counts each ticket's watched seconds (what the
// ledger holds plus the live sessions) for minutes budgets, and writes the
// records to the ledger every access.ledger_flush and when sessions end in
// bulk. Without a ledger it still counts, for the daemon's lifetime.
#pragma once

#include "access/ledger.hpp"
#include "access/grant.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>

namespace camstream {

class WatchTime {
public:
    explicit WatchTime(std::unique_ptr<Ledger> ledger, std::chrono::milliseconds flush_interval);

    // Seconds the ticket has been watched, in all sessions, up to now. Kept
    // for minutes tickets only: a pass has no budget to count against.
    // Nothing when the ledger cannot say how long the ticket was watched
    // before (logged, and asked again next time): a minutes ticket is then
    // refused rather than let in with its time unknown.
    std::optional<double> seconds_watched(const std::string& ticket_id, std::int64_t now_us) const;

    void started(std::uint64_t connection, const Grant& grant, std::string_view protocol, std::string_view address,
                 std::int64_t now_us);
    // What a live session has been sent so far (taken just before a flush).
    void progress(std::uint64_t connection, std::uint64_t frames, std::uint64_t bytes);
    void ended(std::uint64_t connection, const std::string& reason, std::uint64_t frames, std::uint64_t bytes,
               std::int64_t now_us);

    bool flush_due(std::int64_t now_us) const { return now_us - last_flush_us_ >= flush_interval_us_; }
    // Writes every live and newly ended session; a failure is logged (once a
    // minute at most) and retried at the next flush.
    void flush(std::int64_t now_us);
    void set_flush_interval(std::chrono::milliseconds interval) { flush_interval_us_ = interval.count() * 1000; }
    bool has_ledger() const { return ledger_ != nullptr; }

private:
    struct Live {
        SessionRecord record;
        std::int64_t started_us = 0;
        bool budgeted = false;  // a minutes ticket: counted in tickets_
    };
    // A ticket's seconds: those of ended sessions, and its live sessions' starts.
    struct TicketUse {
        double ended_seconds = 0;
        int live = 0;
        std::int64_t live_started_sum_us = 0;
    };
    // Null when the ledger could not be read for a ticket not seen yet.
    TicketUse* use_of(const std::string& ticket_id) const;
    static double seconds_between(std::int64_t from_us, std::int64_t to_us) {
        return static_cast<double>(to_us - from_us) / 1e6;
    }

    std::unique_ptr<Ledger> ledger_;
    std::int64_t flush_interval_us_;
    std::int64_t last_flush_us_ = 0;
    std::int64_t last_failure_log_us_ = 0;
    std::map<std::uint64_t, Live> live_;
    std::vector<SessionRecord> ended_;  // not written yet
    // Filled from the ledger the first time a ticket is seen (and read).
    mutable std::unordered_map<std::string, TicketUse> tickets_;
};

}  // namespace camstream
