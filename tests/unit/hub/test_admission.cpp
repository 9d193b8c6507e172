// Admission: the one step every viewer passes, tested without sockets.
#include "hub/admission.hpp"

#include <doctest/doctest.h>

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
