// Ledger: see ledger.hpp.
#include "access/ledger.hpp"

#include <sqlite3.h>

namespace camstream {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS sessions (
    id         INTEGER PRIMARY KEY,
    viewer     TEXT NOT NULL,
    kind       TEXT NOT NULL,
    ticket_id  TEXT,
    protocol   TEXT NOT NULL,
    address    TEXT NOT NULL,
    started    REAL NOT NULL,
    ended      REAL,
    last_seen  REAL NOT NULL,
    seconds    REAL NOT NULL,
    frames     INTEGER NOT NULL,
    bytes      INTEGER NOT NULL,
    end_reason TEXT
);
CREATE INDEX IF NOT EXISTS sessions_by_ticket ON sessions (ticket_id) WHERE ticket_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS sessions_by_start ON sessions (started);
)sql";

// A statement that finalizes itself.
class Statement {
public:
    Statement(sqlite3* db, const char* sql) { sqlite3_prepare_v2(db, sql, -1, &statement_, nullptr); }
    ~Statement() { sqlite3_finalize(statement_); }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    sqlite3_stmt* get() const { return statement_; }
    explicit operator bool() const { return statement_ != nullptr; }
    void text(int index, const std::string& value) {
        sqlite3_bind_text(statement_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
    }
    void text_or_null(int index, const std::string& value) {
        if (value.empty()) {
            sqlite3_bind_null(statement_, index);
        } else {
            text(index, value);
        }
    }
    void real(int index, double value) { sqlite3_bind_double(statement_, index, value); }
    void integer(int index, std::int64_t value) { sqlite3_bind_int64(statement_, index, value); }
    std::string column_text(int index) const {
        const auto* text = sqlite3_column_text(statement_, index);
        return text == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(text));
    }

private:
    sqlite3_stmt* statement_ = nullptr;
};

std::string message_of(sqlite3* db) { return sqlite3_errmsg(db); }

}  // namespace

std::unique_ptr<Ledger> Ledger::open(const std::string& path, Access access, std::string& error) {
    sqlite3* db = nullptr;
    const int flags = access == Access::daemon ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;
    if (sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
        error = path + ": cannot open the ledger: " + (db ? message_of(db) : std::string("out of memory"));
        sqlite3_close(db);
        return nullptr;
    }
    std::unique_ptr<Ledger> ledger(new Ledger(db, path));
    // A reader (camstreamd usage) may meet a write in progress: wait for it rather than fail.
    sqlite3_busy_timeout(db, 2000);
    if (access == Access::read_only) return ledger;
    // WAL: a commit is one append, readers never block the daemon, and a
    // killed process leaves every committed transaction whole. FULL syncs
    // each commit, so that a power cut (the usual crash of a Raspberry Pi)
    // loses no more than a kill does; one fsync per flush is all it costs.
    if (!ledger->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", error) ||
        !ledger->exec(kSchema, error)) {
        error = path + ": " + error;
        return nullptr;
    }
    Statement recover(db,
                      "UPDATE sessions SET ended = last_seen, end_reason = 'daemon stopped unexpectedly' "
                      "WHERE ended IS NULL");
    if (!recover || sqlite3_step(recover.get()) != SQLITE_DONE) {
        error = path + ": " + message_of(db);
        return nullptr;
    }
    ledger->recovered_ = sqlite3_changes(db);
    return ledger;
}

Ledger::~Ledger() {
    sqlite3_finalize(ticket_seconds_);
    sqlite3_close(db_);
}

bool Ledger::exec(const char* sql, std::string& error) {
    char* message = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) == SQLITE_OK) return true;
    error = message != nullptr ? message : "unknown SQLite error";
    sqlite3_free(message);
    return false;
}

bool Ledger::write(const std::vector<SessionRecord*>& records, std::string& error) {
    if (!exec("BEGIN", error)) return false;
    Statement insert(db_,
                     "INSERT INTO sessions (viewer, kind, ticket_id, protocol, address, started, ended, last_seen, "
                     "seconds, frames, bytes, end_reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
    Statement update(db_,
                     "UPDATE sessions SET ended = ?1, last_seen = ?2, seconds = ?3, frames = ?4, bytes = ?5, "
                     "end_reason = ?6 WHERE id = ?7");
    bool ok = insert && update;
    std::vector<std::pair<SessionRecord*, std::int64_t>> inserted;
    for (auto* record : records) {
        if (!ok) break;
        const double last_seen = record->ended.value_or(record->started + record->seconds);
        auto& statement = record->id == 0 ? insert : update;
        if (record->id == 0) {
            insert.text(1, record->viewer);
            insert.text(2, record->kind);
            insert.text_or_null(3, record->ticket_id);
            insert.text(4, record->protocol);
            insert.text(5, record->address);
            insert.real(6, record->started);
            if (record->ended) insert.real(7, *record->ended); else sqlite3_bind_null(insert.get(), 7);
            insert.real(8, last_seen);
            insert.real(9, record->seconds);
            insert.integer(10, static_cast<std::int64_t>(record->frames));
            insert.integer(11, static_cast<std::int64_t>(record->bytes));
            insert.text_or_null(12, record->end_reason);
        } else {
            if (record->ended) update.real(1, *record->ended); else sqlite3_bind_null(update.get(), 1);
            update.real(2, last_seen);
            update.real(3, record->seconds);
            update.integer(4, static_cast<std::int64_t>(record->frames));
            update.integer(5, static_cast<std::int64_t>(record->bytes));
            update.text_or_null(6, record->end_reason);
            update.integer(7, record->id);
        }
        ok = sqlite3_step(statement.get()) == SQLITE_DONE;
        if (ok && record->id == 0) inserted.emplace_back(record, sqlite3_last_insert_rowid(db_));
        sqlite3_reset(statement.get());
    }
    std::string rollback_error;
    if (!ok) {
        error = message_of(db_);
        exec("ROLLBACK", rollback_error);
        return false;
    }
    if (!exec("COMMIT", error)) {
        exec("ROLLBACK", rollback_error);
        return false;
    }
    // Ids only once committed: a rolled-back insert is inserted again next time.
    for (auto& [record, id] : inserted) record->id = id;
    return true;
}

std::optional<double> Ledger::ticket_seconds(const std::string& ticket_id, std::string& error) {
    if (ticket_seconds_ == nullptr &&
        sqlite3_prepare_v3(db_, "SELECT TOTAL(seconds) FROM sessions WHERE ticket_id = ?1", -1,
                           SQLITE_PREPARE_PERSISTENT, &ticket_seconds_, nullptr) != SQLITE_OK) {
        error = sqlite3_errmsg(db_);
        return std::nullopt;
    }
    sqlite3_bind_text(ticket_seconds_, 1, ticket_id.data(), static_cast<int>(ticket_id.size()), SQLITE_TRANSIENT);
    // TOTAL() always gives a row; anything else is the database failing.
    std::optional<double> seconds;
    if (sqlite3_step(ticket_seconds_) == SQLITE_ROW) {
        seconds = sqlite3_column_double(ticket_seconds_, 0);
    } else {
        error = sqlite3_errmsg(db_);
    }
    sqlite3_reset(ticket_seconds_);
    return seconds;
}

std::vector<SessionRecord> Ledger::sessions(const UsageQuery& query, std::string& error) {
    std::vector<SessionRecord> out;
    Statement select(db_,
                     "SELECT id, viewer, kind, ticket_id, protocol, address, started, ended, seconds, frames, bytes, "
                     "end_reason FROM sessions WHERE (?1 IS NULL OR COALESCE(ended, last_seen) >= ?1) "
                     "AND (?2 IS NULL OR started < ?2) AND (?3 IS NULL OR viewer = ?3) ORDER BY started, id");
    if (!select) {
        error = message_of(db_);
        return out;
    }
    if (query.since) select.real(1, *query.since);
    if (query.until) select.real(2, *query.until);
    if (query.subject) select.text(3, *query.subject);
    int step = SQLITE_ROW;
    while ((step = sqlite3_step(select.get())) == SQLITE_ROW) {
        auto* row = select.get();
        SessionRecord record;
        record.id = sqlite3_column_int64(row, 0);
        record.viewer = select.column_text(1);
        record.kind = select.column_text(2);
        record.ticket_id = select.column_text(3);
        record.protocol = select.column_text(4);
        record.address = select.column_text(5);
        record.started = sqlite3_column_double(row, 6);
        if (sqlite3_column_type(row, 7) != SQLITE_NULL) record.ended = sqlite3_column_double(row, 7);
        record.seconds = sqlite3_column_double(row, 8);
        record.frames = static_cast<std::uint64_t>(sqlite3_column_int64(row, 9));
        record.bytes = static_cast<std::uint64_t>(sqlite3_column_int64(row, 10));
        record.end_reason = select.column_text(11);
        out.push_back(std::move(record));
    }
    if (step != SQLITE_DONE) error = message_of(db_);
    return out;
}

}  // namespace camstream
