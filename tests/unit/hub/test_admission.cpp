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
