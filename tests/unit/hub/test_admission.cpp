// Admission: the one step every viewer passes, tested without sockets.
#include "hub/admission.hpp"

#include <doctest/doctest.h>

using namespace camstream;

TEST_CASE("admission: viewers are admitted up to max_viewers, then refused as server full") {
    Admission admission(2);
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
    Admission admission(10);
    admission.set_max_viewers(1);
    CHECK_FALSE(static_cast<bool>(admission.decide(Presented{}, 1)));
}
