// Unit tests of camview's reconnect policy (viewer/net/reconnect_backoff.*): waits
// double up to a bound, and only a session that streamed fine for a while starts
// them over, not merely being accepted.
#include "net/reconnect_backoff.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <vector>

using camstream::viewer::ReconnectBackoff;
using camstream::viewer::ReconnectBackoffSettings;
using namespace std::chrono_literals;
using std::chrono::milliseconds;

namespace {

std::vector<milliseconds> waits(ReconnectBackoff& backoff, std::size_t count,
                                milliseconds streamed_for) {
    std::vector<milliseconds> out;
    for (std::size_t i = 0; i < count; ++i) out.push_back(backoff.after_session(streamed_for));
    return out;
}

}  // namespace

TEST_CASE("viewer reconnect: failed attempts wait 0.5 s, doubling up to 10 s") {
    ReconnectBackoff backoff(ReconnectBackoffSettings{});
    const std::vector<milliseconds> expected{500ms, 1s, 2s, 4s, 8s, 10s, 10s, 10s};
    CHECK(waits(backoff, expected.size(), 0ms) == expected);
}

TEST_CASE("viewer reconnect: sessions accepted but cut short keep backing off") {
    // Accepted, then garbage, a reset or a goodbye within seconds: still doubling.
    ReconnectBackoff backoff(ReconnectBackoffSettings{});
    const std::vector<milliseconds> expected{500ms, 1s, 2s, 4s, 8s, 10s};
    CHECK(waits(backoff, expected.size(), 9999ms) == expected);
}

TEST_CASE("viewer reconnect: a session that streamed fine for 10 s starts the waits over") {
    ReconnectBackoff backoff(ReconnectBackoffSettings{});
    CHECK(waits(backoff, 5, 0ms) == std::vector<milliseconds>{500ms, 1s, 2s, 4s, 8s});
    CHECK(backoff.after_session(10s) == 500ms);
    CHECK(backoff.after_session(0ms) == 1s);
    CHECK(backoff.after_session(0ms) == 2s);
    CHECK(backoff.after_session(1h) == 500ms);
}

TEST_CASE("viewer reconnect: the wait stays bounded however many sessions fail") {
    ReconnectBackoffSettings settings;
    settings.first = 300ms;
    settings.max = 7s;
    ReconnectBackoff backoff(settings);
    milliseconds longest{0};
    for (int i = 0; i < 10'000; ++i) longest = std::max(longest, backoff.after_session(0ms));
    CHECK(longest == 7s);
    CHECK(backoff.after_session(0ms) == 7s);
}
