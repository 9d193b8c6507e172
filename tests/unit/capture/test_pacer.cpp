// Pacer and StopSignal: pacing at a slow rate never keeps a capture thread from
// stopping, so the event loop never waits for it.
#include "capture/pacer.hpp"

#include <doctest/doctest.h>

#include <thread>

using namespace camstream;
using namespace std::chrono_literals;

TEST_CASE("pacer: a stop raised during a 5 s frame interval ends the wait at once") {
    StopSignal stop;
    Pacer pacer(0.2, stop);  // one frame every 5 s
    CHECK(pacer.wait());     // the first tick is now
    const auto start = StopSignal::Clock::now();
    std::thread stopper([&] {
        std::this_thread::sleep_for(50ms);
        stop.raise();
    });
    CHECK_FALSE(pacer.wait());
    stopper.join();
    // Well under the 5 s interval; the margin is for a loaded machine.
    CHECK(StopSignal::Clock::now() - start < 2s);
    CHECK(stop.raised());
    CHECK_FALSE(pacer.wait());
}

TEST_CASE("pacer: without a stop it releases one tick per interval") {
    StopSignal stop;
    Pacer pacer(50, stop);  // 20 ms
    const auto start = StopSignal::Clock::now();
    for (int i = 0; i < 6; ++i) CHECK(pacer.wait());
    // Five intervals passed between the first and the last tick.
    CHECK(StopSignal::Clock::now() - start >= 100ms);
}
