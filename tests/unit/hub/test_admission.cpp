// Admission: the one step every viewer passes, tested without sockets.
#include "hub/admission.hpp"

#include "access/watch_time.hpp"
#include "media/clock.hpp"

#include <doctest/doctest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>

using namespace camstream;

TEST_CASE("admission: viewers are admitted up to max_viewers, then refused as server full") {
    Admission admission(2, GreetingLimits{});
    Presented presented;
    presented.max_fps = 5;
    const auto first = admission.decide(presented, 0);
    REQUIRE(static_cast<bool>(first));
    CHECK(first.max_fps == 5);
    CHECK(static_cast<bool>(admission.decide(presented, 1)));
    const auto third = admission.decide(presented, 2);
    REQUIRE_FALSE(static_cast<bool>(third));
    CHECK(*third.refused == Rejection::server_full);
    CHECK(third.detail.find("server.max_viewers (2)") != std::string::npos);
}

TEST_CASE("admission: a lowered max_viewers applies to the next viewer") {
    Admission admission(10, GreetingLimits{});
    admission.set_limits(1, GreetingLimits{});
    CHECK_FALSE(static_cast<bool>(admission.decide(Presented{}, 1)));
}

TEST_CASE("admission: connections still greeting are limited per address, then in all") {
    Admission admission(100, GreetingLimits{.per_address = 3, .total = 10});
    CHECK_FALSE(admission.may_greet(2, 9).has_value());
    const auto per_address = admission.may_greet(3, 3);
    REQUIRE(per_address.has_value());
    CHECK(*per_address->refused == Rejection::address_limit);
    CHECK(per_address->detail.find("this address") != std::string::npos);
    const auto total = admission.may_greet(0, 10);
    REQUIRE(total.has_value());
    CHECK(*total->refused == Rejection::greeting_limit);
}

namespace {

AccessPolicy tokens_policy(const std::string& file_text, int max_failures = 10) {
    std::string error;
    auto store = TokenStore::parse(file_text, "tokens", error);
    REQUIRE_MESSAGE(store, error);
    AccessPolicy policy;
    policy.tokens = true;
    policy.store = std::make_shared<const TokenStore>(std::move(*store));
    policy.max_failures = max_failures;
    return policy;
}

Presented with_token(std::optional<std::string> token, std::string_view host = "127.0.0.1") {
    Presented presented;
    presented.credential = std::move(token);
    presented.host = host;
    return presented;
}

}  // namespace

TEST_CASE("admission: with tokens, a missing or wrong token is unauthorized and a right one names the viewer") {
    const auto token = new_token();
    Admission admission(10, GreetingLimits{},
                        tokens_policy("alice " + format_hash(hash_token(token)) + " max_fps=5 max_streams=1\n"));

    const auto missing = admission.decide(with_token(std::nullopt), 0);
    REQUIRE_FALSE(static_cast<bool>(missing));
    CHECK(*missing.refused == Rejection::unauthorized);
    CHECK(missing.detail == "a token is required");

    const auto wrong = admission.decide(with_token("not-it"), 0);
    REQUIRE_FALSE(static_cast<bool>(wrong));
    CHECK(wrong.detail == "the token is not valid");
    CHECK(wrong.detail.find("not-it") == std::string::npos);

    auto presented = with_token(token);
    presented.max_fps = 30;
    const auto right = admission.decide(presented, 0);
    REQUIRE(static_cast<bool>(right));
    CHECK(right.grant.kind == Grant::Kind::token);
    CHECK(right.grant.name == "alice");
    CHECK(right.max_fps == 5);  // the token's cap beats the viewer's ask

    // max_streams=1: a second stream waits until the first is released.
    const auto second = admission.decide(presented, 1);
    REQUIRE_FALSE(static_cast<bool>(second));
    CHECK(*second.refused == Rejection::stream_limit);
    CHECK(second.detail.find("token 'alice' already has 1 streams") != std::string::npos);
    admission.released(right.grant);
    CHECK(static_cast<bool>(admission.decide(presented, 0)));
}

TEST_CASE("admission: an address that keeps failing is rate-limited, even with a right token, others are not") {
    const auto token = new_token();
    Admission admission(10, GreetingLimits{}, tokens_policy("alice " + format_hash(hash_token(token)) + "\n", 3));
    for (int i = 0; i < 3; ++i) CHECK_FALSE(static_cast<bool>(admission.decide(with_token("guess", "127.0.0.2"), 0)));
    const auto limited = admission.decide(with_token(token, "127.0.0.2"), 0);
    REQUIRE_FALSE(static_cast<bool>(limited));
    CHECK(*limited.refused == Rejection::rate_limited);
    CHECK(limited.detail.find("too many failed attempts") != std::string::npos);
    CHECK(static_cast<bool>(admission.decide(with_token(token, "127.0.0.1"), 0)));
}

TEST_CASE("admission: after a reload, a viewer whose token was removed is no longer allowed") {
    const auto token = new_token();
    Admission admission(10, GreetingLimits{}, tokens_policy("alice " + format_hash(hash_token(token)) + "\n"));
    const auto admitted = admission.decide(with_token(token), 0);
    REQUIRE(static_cast<bool>(admitted));
    CHECK_FALSE(admission.why_not_allowed(admitted.grant, 0));
    // The same name with a new token: the old one no longer admits.
    admission.set_access(tokens_policy("alice " + format_hash(hash_token(new_token())) + "\n"));
    CHECK(admission.why_not_allowed(admitted.grant, 0) == "token 'alice' was revoked");
    admission.set_access(tokens_policy("bob " + format_hash(hash_token(new_token())) + "\n"));
    CHECK(admission.why_not_allowed(admitted.grant, 0));
    CHECK(admission.why_not_allowed(Grant{}, 0));  // admitted while access was open
    admission.set_access(AccessPolicy{});
    CHECK_FALSE(admission.why_not_allowed(Grant{}, 0));
}

TEST_CASE("admission: tickets: revoked, over max_streams, out of watch time, and later expiry, budget and revocation") {
    const auto key = new_signing_key("shop");
    std::string error;
    auto keys = TicketKeys::parse(format_key_line(key.public_key) + "\n", "keys", error);
    REQUIRE(keys);
    AccessPolicy policy;
    policy.tickets = true;
    policy.keys = std::make_shared<const TicketKeys>(*keys);
    policy.revoked = std::make_shared<const RevokedTickets>(*RevokedTickets::parse("gone\n", "revoked", error));
    policy.leeway_seconds = 0;
    WatchTime watch(nullptr, std::chrono::seconds(10));
    Admission admission(10, GreetingLimits{}, policy, &watch);

    const auto now_s = wall_clock_us() / 1'000'000;
    Ticket ticket;
    ticket.id = "T1";
    ticket.subject = "bob";
    ticket.plan = Ticket::Plan::minutes;
    ticket.minutes = 1;
    ticket.expires = now_s + 3600;
    ticket.max_streams = 1;
    const auto text = mint_ticket(ticket, key, key.id);

    CHECK(admission.decide(with_token(std::nullopt), 0).detail == "a ticket is required");
    CHECK(admission.decide(with_token("not-a-ticket"), 0).detail.find("ticket is malformed") == 0);
    auto revoked = ticket;
    revoked.id = "gone";
    CHECK(admission.decide(with_token(mint_ticket(revoked, key, key.id)), 0).detail == "ticket was revoked");

    const auto admitted = admission.decide(with_token(text), 0);
    REQUIRE_MESSAGE(static_cast<bool>(admitted), admitted.detail);
    CHECK(admitted.grant.kind == Grant::Kind::ticket);
    CHECK(admitted.grant.subject == "bob");
    CHECK(admitted.grant.minutes == 1);
    const auto second = admission.decide(with_token(text), 1);
    CHECK(*second.refused == Rejection::stream_limit);
    CHECK(second.detail == "ticket 'T1' already has 1 streams, its limit");

    // 50 s watched: allowed; 61 s: out of time, for the live viewer and a new one.
    const auto start_us = wall_clock_us();
    watch.started(1, admitted.grant, "tcp", "127.0.0.1", start_us);
    CHECK_FALSE(admission.why_not_allowed(admitted.grant, start_us + 50'000'000));
    CHECK(admission.why_not_allowed(admitted.grant, start_us + 61'000'000) == "ticket has no watch time left");
    watch.ended(1, "closed by peer", 0, 0, start_us + 61'000'000);
    admission.released(admitted.grant);
    CHECK(admission.decide(with_token(text), 0).detail == "ticket has no watch time left");

    auto pass = ticket;
    pass.id = "P1";
    pass.plan = Ticket::Plan::pass;
    pass.expires = now_s + 5;
    const auto pass_grant = admission.decide(with_token(mint_ticket(pass, key, "")), 0).grant;
    REQUIRE(pass_grant.kind == Grant::Kind::ticket);
    CHECK_FALSE(admission.why_not_allowed(pass_grant, (now_s + 4) * 1'000'000 + 999'999));
    CHECK(admission.why_not_allowed(pass_grant, (now_s + 5) * 1'000'000) == "ticket expired");  // not on exp itself
    // The key is no longer trusted after a reload: its tickets are as revoked.
    policy.keys = std::make_shared<const TicketKeys>();
    admission.set_access(policy);
    CHECK(admission.why_not_allowed(pass_grant, now_s * 1'000'000) == "ticket 'P1' was revoked");
}

TEST_CASE("admission: a minutes ticket is refused while the ledger cannot be read, a pass is not") {
    std::string folder = (std::filesystem::temp_directory_path() / "camstream-admission-XXXXXX").string();
    REQUIRE(::mkdtemp(folder.data()) != nullptr);
    struct Cleanup {
        std::string folder;
        ~Cleanup() { std::filesystem::remove_all(folder); }
    } cleanup{folder};
    const auto path = folder + "/ledger.sqlite";
    std::string error;
    auto ledger = Ledger::open(path, Ledger::Access::daemon, error);
    REQUIRE_MESSAGE(ledger, error);
    // The table gone from under the daemon: every read of it fails.
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "ALTER TABLE sessions RENAME TO sessions_away", nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
    WatchTime watch(std::move(ledger), std::chrono::seconds(10));

    const auto key = new_signing_key("shop");
    AccessPolicy policy;
    policy.tickets = true;
    policy.keys = std::make_shared<const TicketKeys>(*TicketKeys::parse(format_key_line(key.public_key), "keys", error));
    Admission admission(10, GreetingLimits{}, policy, &watch);
    Ticket ticket;
    ticket.id = "M1";
    ticket.subject = "dave";
    ticket.plan = Ticket::Plan::minutes;
    ticket.minutes = 10;
    ticket.expires = wall_clock_us() / 1'000'000 + 3600;
    const auto refused = admission.decide(with_token(mint_ticket(ticket, key, key.id)), 0);
    CHECK_FALSE(static_cast<bool>(refused));
    CHECK(refused.detail == "ticket's watch time cannot be counted now (the ledger cannot be read)");
    auto pass = ticket;
    pass.id = "P2";
    pass.plan = Ticket::Plan::pass;
    CHECK(static_cast<bool>(admission.decide(with_token(mint_ticket(pass, key, key.id)), 0)));
}

TEST_CASE("admission: tickets: a genuine ticket refused is no failed attempt, a key replaced under its id ends its tickets") {
    const auto key = new_signing_key("shop");
    std::string error;
    const auto keys_file = [&](const SigningKey& signing) {
        return std::make_shared<const TicketKeys>(*TicketKeys::parse(format_key_line(signing.public_key), "keys", error));
    };
    AccessPolicy policy;
    policy.tickets = true;
    policy.keys = keys_file(key);
    policy.leeway_seconds = 0;
    policy.max_failures = 2;
    Admission admission(10, GreetingLimits{}, policy);
    const auto now_s = wall_clock_us() / 1'000'000;
    Ticket expired;
    expired.id = "old";
    expired.subject = "carol";
    expired.expires = now_s - 60;
    const auto expired_text = mint_ticket(expired, key, key.id);
    // Three expired tickets from one address: each refused as expired, never rate-limited.
    for (int i = 0; i < 3; ++i) CHECK(admission.decide(with_token(expired_text), 0).detail == "ticket expired");
    // Two forged ones are failures: the address is then limited.
    const auto forger = new_signing_key("shop");
    auto good = expired;
    good.id = "good";
    good.expires = now_s + 3600;
    for (int i = 0; i < 2; ++i) {
        CHECK(admission.decide(with_token(mint_ticket(good, forger, "shop")), 0).detail ==
              "ticket signature is not valid");
    }
    CHECK(*admission.decide(with_token(mint_ticket(good, key, "shop")), 0).refused == Rejection::rate_limited);

    const auto admitted = admission.decide(with_token(mint_ticket(good, key, "shop"), "127.0.0.9"), 0);
    REQUIRE(static_cast<bool>(admitted));
    CHECK_FALSE(admission.why_not_allowed(admitted.grant, wall_clock_us()));
    policy.keys = keys_file(new_signing_key("shop"));  // same id, another key
    admission.set_access(policy);
    CHECK(admission.why_not_allowed(admitted.grant, wall_clock_us()) == "ticket 'good' was revoked");
    policy.tickets = false;
    admission.set_access(policy);
    CHECK(admission.why_not_allowed(admitted.grant, wall_clock_us()) == "tickets are no longer accepted (access.mode)");
}
