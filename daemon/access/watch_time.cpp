// Watch time: see watch_time.hpp.
#include "access/watch_time.hpp"

#include <spdlog/spdlog.h>

namespace camstream {
namespace {

std::string_view kind_name(Grant::Kind kind) {
    switch (kind) {
        case Grant::Kind::open: return "open";
        case Grant::Kind::token: return "token";
        case Grant::Kind::ticket: return "ticket";
    }
    return "open";
}

}  // namespace

WatchTime::WatchTime(std::unique_ptr<Ledger> ledger, std::chrono::milliseconds flush_interval)
    : ledger_(std::move(ledger)), flush_interval_us_(flush_interval.count() * 1000) {}

WatchTime::TicketUse* WatchTime::use_of(const std::string& ticket_id) const {
    if (const auto found = tickets_.find(ticket_id); found != tickets_.end()) return &found->second;
    TicketUse use;
    if (ledger_) {
        std::string error;
        const auto seconds = ledger_->ticket_seconds(ticket_id, error);
        if (!seconds) {
            spdlog::error("watch-time ledger {}: cannot read how long ticket '{}' was watched: {}; refusing it "
                          "until the ledger can be read",
                          ledger_->path(), ticket_id, error);
            return nullptr;
        }
        use.ended_seconds = *seconds;
    }
    return &tickets_.emplace(ticket_id, use).first->second;
}

std::optional<double> WatchTime::seconds_watched(const std::string& ticket_id, std::int64_t now_us) const {
    const auto* use = use_of(ticket_id);
    if (use == nullptr) return std::nullopt;
    return use->ended_seconds + seconds_between(use->live_started_sum_us, use->live * now_us);
}

void WatchTime::started(std::uint64_t connection, const Grant& grant, std::string_view protocol,
                        std::string_view address, std::int64_t now_us) {
    Live live;
    live.started_us = now_us;
    auto& record = live.record;
    record.kind = kind_name(grant.kind);
    record.viewer = grant.kind == Grant::Kind::ticket ? grant.subject
                    : grant.kind == Grant::Kind::token ? grant.name
                                                       : std::string(address);
    if (grant.kind == Grant::Kind::ticket) record.ticket_id = grant.name;
    // Admission read the ticket's use first, so it is known here.
    if (auto* use = grant.kind == Grant::Kind::ticket && grant.minutes > 0 ? use_of(grant.name) : nullptr) {
        live.budgeted = true;
        ++use->live;
        use->live_started_sum_us += now_us;
    }
    record.protocol = protocol;
    record.address = address;
    record.started = static_cast<double>(now_us) / 1e6;
    live_.insert_or_assign(connection, std::move(live));
}

void WatchTime::progress(std::uint64_t connection, std::uint64_t frames, std::uint64_t bytes) {
    if (const auto found = live_.find(connection); found != live_.end()) {
        found->second.record.frames = frames;
        found->second.record.bytes = bytes;
    }
}

void WatchTime::ended(std::uint64_t connection, const std::string& reason, std::uint64_t frames, std::uint64_t bytes,
                      std::int64_t now_us) {
    const auto found = live_.find(connection);
    if (found == live_.end()) return;
    auto& live = found->second;
    auto& record = live.record;
    record.frames = frames;
    record.bytes = bytes;
    record.seconds = seconds_between(live.started_us, now_us);
    record.ended = static_cast<double>(now_us) / 1e6;
    record.end_reason = reason;
    if (auto* use = live.budgeted ? use_of(record.ticket_id) : nullptr) {
        --use->live;
        use->live_started_sum_us -= live.started_us;
        use->ended_seconds += record.seconds;
    }
    ended_.push_back(std::move(record));
    live_.erase(found);
}

void WatchTime::flush(std::int64_t now_us) {
    last_flush_us_ = now_us;
    if (!ledger_) {
        ended_.clear();
        return;
    }
    std::vector<SessionRecord*> records;
    records.reserve(live_.size() + ended_.size());
    for (auto& [connection, live] : live_) {
        live.record.seconds = seconds_between(live.started_us, now_us);
        records.push_back(&live.record);
    }
    for (auto& record : ended_) records.push_back(&record);
    if (records.empty()) return;
    std::string error;
    if (!ledger_->write(records, error)) {
        // Kept and written at the next flush; the log says so, not once per flush.
        if (now_us - last_failure_log_us_ >= 60'000'000) {
            spdlog::error("ledger {}: cannot record {} sessions: {} (retrying every flush)", ledger_->path(),
                          records.size(), error);
            last_failure_log_us_ = now_us;
        }
        return;
    }
    ended_.clear();
    // What is written can be read back: only tickets being watched stay in memory.
    std::erase_if(tickets_, [](const auto& entry) { return entry.second.live == 0; });
}

}  // namespace camstream
