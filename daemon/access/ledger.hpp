// Ledger: the watch-time database, SQLite in the service's state directory
// (access.ledger). One row per viewer session: who, how, from where, when,
// how long, how much was sent and why it ended. It is the operator's audit
// trail and what minutes budgets are counted from, across reconnects and
// restarts. SQLite in WAL mode commits atomically, so a crash (kill -9)
// loses at most the sessions' progress since the last write and never
// corrupts the file; the daemon writes in one transaction per flush.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace camstream {

struct SessionRecord {
    std::int64_t id = 0;      // the row; 0 until first written
    std::string viewer;       // token name, ticket subject, or the address when open
    std::string kind;         // open, token, ticket
    std::string ticket_id;    // tickets only
    std::string protocol;     // tcp, http
    std::string address;
    double started = 0;       // unix seconds
    std::optional<double> ended;
    double seconds = 0;       // watched, as of the last write
    std::uint64_t frames = 0;
    std::uint64_t bytes = 0;
    std::string end_reason;
};

struct UsageQuery {
    std::optional<double> since, until;  // sessions that overlap [since, until)
    std::optional<std::string> subject;  // the viewer column
};

class Ledger {
public:
    enum class Access { daemon, read_only };
    // Opens (and for the daemon creates) the database. The daemon's open also
    // closes the sessions a crash left open, at their last written progress.
    static std::unique_ptr<Ledger> open(const std::string& path, Access access, std::string& error);
    ~Ledger();
    Ledger(const Ledger&) = delete;
    Ledger& operator=(const Ledger&) = delete;

    // Inserts the records without an id (and sets it), updates the others: all
    // or nothing, in one transaction.
    bool write(const std::vector<SessionRecord*>& records, std::string& error);
    // Seconds recorded for a ticket, over all its sessions; nothing (and why in
    // `error`) when the database cannot be read.
    std::optional<double> ticket_seconds(const std::string& ticket_id, std::string& error);
    std::vector<SessionRecord> sessions(const UsageQuery& query, std::string& error);
    // Sessions found open (a crash) and closed by open().
    int recovered() const { return recovered_; }
    const std::string& path() const { return path_; }

private:
    Ledger(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
    bool exec(const char* sql, std::string& error);

    sqlite3* db_;
    sqlite3_stmt* ticket_seconds_ = nullptr;  // prepared once: asked at every minutes-ticket admission
    std::string path_;
    int recovered_ = 0;
};

}  // namespace camstream
