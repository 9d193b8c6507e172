// WatchTime and the ledger: sessions recorded, ticket seconds counted across
// sessions and restarts, a crash's open sessions closed at their last flush,
// and a ledger that cannot be read leaving a ticket's time unknown, not zero.
#include "access/watch_time.hpp"

#include <doctest/doctest.h>
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <stdlib.h>

using namespace camstream;
using namespace std::chrono_literals;

namespace {

constexpr std::int64_t kSecond = 1'000'000;
constexpr std::int64_t kStart = 1'800'000'000 * kSecond;

struct LedgerFile {
    std::filesystem::path dir;
    LedgerFile() {
        std::string pattern = (std::filesystem::temp_directory_path() / "camstream-ledger-XXXXXX").string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        dir = pattern;
    }
    ~LedgerFile() { std::filesystem::remove_all(dir); }
    std::string path() const { return (dir / "ledger.sqlite").string(); }
    std::unique_ptr<Ledger> open(Ledger::Access access = Ledger::Access::daemon) const {
        std::string error;
        auto ledger = Ledger::open(path(), access, error);
        REQUIRE_MESSAGE(ledger, error);
        return ledger;
    }
};

Grant ticket_grant(const std::string& id, int minutes) {
    Grant grant;
    grant.kind = Grant::Kind::ticket;
    grant.name = id;
    grant.subject = "alice";
    grant.minutes = minutes;
    return grant;
}

// -1 when the ledger could not say: never a plausible number of seconds.
double watched(const WatchTime& watch, const std::string& ticket_id, std::int64_t now_us) {
    return watch.seconds_watched(ticket_id, now_us).value_or(-1);
}

// Another process's SQL on the ledger file, as an operator's sqlite3 shell would run it.
void run_sql(const std::string& path, const char* sql) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    char* message = nullptr;
    const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &message);
    INFO((message != nullptr ? message : ""));
    sqlite3_free(message);
    sqlite3_close(db);
    REQUIRE(rc == SQLITE_OK);
}

}  // namespace

TEST_CASE("watch time: a ticket's seconds add up over its sessions, live and ended, and survive a restart") {
    LedgerFile file;
    {
        WatchTime watch(file.open(), 10s);
        const auto grant = ticket_grant("T1", 5);
        watch.started(1, grant, "tcp", "127.0.0.1", kStart);
        watch.started(2, grant, "http", "127.0.0.2", kStart + 10 * kSecond);
        CHECK(watched(watch, "T1", kStart + 20 * kSecond) == doctest::Approx(30.0));
        watch.ended(1, "closed by peer", 600, 6000, kStart + 25 * kSecond);
        CHECK(watched(watch, "T1", kStart + 30 * kSecond) == doctest::Approx(45.0));
        Grant token;
        token.kind = Grant::Kind::token;
        token.name = "nvr";
        watch.started(3, token, "tcp", "127.0.0.3", kStart);
        watch.progress(2, 300, 3000);
        watch.flush(kStart + 30 * kSecond);
        watch.ended(2, "shutting_down", 310, 3100, kStart + 31 * kSecond);
        watch.ended(3, "shutting_down", 5, 50, kStart + 31 * kSecond);
        watch.flush(kStart + 31 * kSecond);
        CHECK(watched(watch, "T1", kStart + 40 * kSecond) == doctest::Approx(46.0));
        CHECK(watched(watch, "T2", kStart) == 0.0);
    }
    // A new daemon reads the ticket's seconds back from the ledger.
    WatchTime restarted(file.open(), 10s);
    CHECK(watched(restarted, "T1", kStart + 100 * kSecond) == doctest::Approx(46.0));

    std::string error;
    const auto sessions = file.open(Ledger::Access::read_only)->sessions({}, error);
    REQUIRE(error.empty());
    REQUIRE(sessions.size() == 3);
    const auto by_address = [&](std::string_view address) {
        const auto found = std::find_if(sessions.begin(), sessions.end(), [&](const auto& s) { return s.address == address; });
        REQUIRE(found != sessions.end());
        return *found;
    };
    const auto first = by_address("127.0.0.1");
    CHECK(first.kind == "ticket");
    CHECK(first.viewer == "alice");
    CHECK(first.ticket_id == "T1");
    CHECK(first.frames == 600);
    CHECK(first.bytes == 6000);
    CHECK(first.seconds == doctest::Approx(25.0));
    CHECK(first.end_reason == "closed by peer");
    const auto nvr = by_address("127.0.0.3");
    CHECK(nvr.viewer == "nvr");
    CHECK(nvr.kind == "token");
    CHECK(nvr.ticket_id.empty());
    CHECK(by_address("127.0.0.2").frames == 310);
    UsageQuery only_alice;
    only_alice.subject = "alice";
    CHECK(file.open(Ledger::Access::read_only)->sessions(only_alice, error).size() == 2);
}

TEST_CASE("watch time: a crash loses at most the time since the last flush, and the next start closes the session") {
    LedgerFile file;
    {
        WatchTime watch(file.open(), 10s);
        watch.started(1, ticket_grant("T1", 1), "tcp", "127.0.0.1", kStart);
        watch.progress(1, 120, 1200);
        watch.flush(kStart + 40 * kSecond);
        // Killed here, 15 s later: nothing more is written.
    }
    const auto ledger = file.open();
    CHECK(ledger->recovered() == 1);
    std::string error;
    CHECK(ledger->ticket_seconds("T1", error).value_or(-1) == doctest::Approx(40.0));
    const auto sessions = ledger->sessions({}, error);
    REQUIRE(sessions.size() == 1);
    CHECK(sessions[0].end_reason == "daemon stopped unexpectedly");
    REQUIRE(sessions[0].ended);
    CHECK(*sessions[0].ended == doctest::Approx(static_cast<double>(kStart + 40 * kSecond) / 1e6));
    CHECK(sessions[0].frames == 120);
    CHECK(file.open()->recovered() == 0);  // closed once, not again
}

TEST_CASE("watch time: without a ledger it still counts, for the process's life") {
    WatchTime watch(nullptr, 10s);
    watch.started(1, ticket_grant("T1", 1), "tcp", "127.0.0.1", kStart);
    watch.ended(1, "closed by peer", 1, 1, kStart + 50 * kSecond);
    watch.flush(kStart + 60 * kSecond);
    CHECK(watched(watch, "T1", kStart + 70 * kSecond) == doctest::Approx(50.0));
    CHECK_FALSE(watch.has_ledger());
}

TEST_CASE("watch time: a ledger that cannot be read leaves a ticket's time unknown, and is asked again") {
    LedgerFile file;
    {
        WatchTime watch(file.open(), 10s);
        watch.started(1, ticket_grant("T1", 5), "tcp", "127.0.0.1", kStart);
        watch.ended(1, "closed by peer", 1, 1, kStart + 30 * kSecond);
        watch.flush(kStart + 30 * kSecond);
    }
    WatchTime watch(file.open(), 10s);
    run_sql(file.path(), "ALTER TABLE sessions RENAME TO sessions_away");
    CHECK_FALSE(watch.seconds_watched("T1", kStart + 60 * kSecond).has_value());
    // Not remembered as zero: once the ledger reads again, so does the ticket's time.
    run_sql(file.path(), "ALTER TABLE sessions_away RENAME TO sessions");
    CHECK(watched(watch, "T1", kStart + 60 * kSecond) == doctest::Approx(30.0));
}
