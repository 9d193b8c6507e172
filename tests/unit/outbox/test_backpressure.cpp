// The per-viewer backpressure policy: drop-oldest queue, byte limit, stall
// detection and the viewer's frame-rate cap, tested without sockets.
#include "outbox/backpressure.hpp"

#include <doctest/doctest.h>

using namespace camstream;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t kHeadBytes = 24;  // as v1 frames it

// A frame framed as a protocol would: a head, then the payload.
FramedPtr make_frame(std::uint64_t sequence, std::size_t payload_bytes = 1000, std::int64_t captured_us = 0) {
    auto frame = std::make_shared<Frame>();
    frame->sequence = sequence;
    frame->times.captured_us = captured_us;
    frame->payload = std::make_shared<const std::vector<std::uint8_t>>(payload_bytes, 0xAB);
    return std::make_shared<const FramedMessage>(frame, std::vector<std::uint8_t>(kHeadBytes, 0x01));
}

}  // namespace

TEST_CASE("frame queue: keeps frames in order while under its limits") {
    FrameQueue queue({.max_frames = 3, .max_bytes = 1 << 20});
    CHECK(queue.push(make_frame(1)) == 0);
    CHECK(queue.push(make_frame(2)) == 0);
    CHECK(queue.size() == 2);
    CHECK(queue.pop()->frame().sequence == 1);
    CHECK(queue.pop()->frame().sequence == 2);
    CHECK(queue.pop() == nullptr);
    CHECK(queue.empty());
    CHECK(queue.bytes() == 0);
}

TEST_CASE("frame queue: when full, drops the oldest unsent frame and counts it") {
    FrameQueue queue({.max_frames = 2, .max_bytes = 1 << 20});
    queue.push(make_frame(1));
    queue.push(make_frame(2));
    CHECK(queue.push(make_frame(3)) == 1);
    CHECK(queue.push(make_frame(4)) == 1);
    CHECK(queue.size() == 2);
    // The viewer gets the freshest pictures, oldest of those first.
    CHECK(queue.pop()->frame().sequence == 3);
    CHECK(queue.pop()->frame().sequence == 4);
}

TEST_CASE("frame queue: the byte limit drops frames before the frame limit does") {
    const std::size_t frame_bytes = 10'000 + kHeadBytes;
    FrameQueue queue({.max_frames = 10, .max_bytes = frame_bytes * 2});
    for (std::uint64_t sequence = 1; sequence <= 5; ++sequence) queue.push(make_frame(sequence, 10'000));
    CHECK(queue.size() == 2);
    CHECK(queue.bytes() == frame_bytes * 2);
    CHECK(queue.pop()->frame().sequence == 4);
}

TEST_CASE("frame queue: a single frame larger than the byte limit is still delivered") {
    FrameQueue queue({.max_frames = 2, .max_bytes = 100});
    queue.push(make_frame(1, 5000));
    CHECK(queue.size() == 1);
    // A newer oversized frame replaces it rather than joining it.
    CHECK(queue.push(make_frame(2, 5000)) == 1);
    CHECK(queue.pop()->frame().sequence == 2);
}

TEST_CASE("frame queue: shrinking the limits (reload) trims the oldest frames") {
    FrameQueue queue({.max_frames = 4, .max_bytes = 1 << 20});
    for (std::uint64_t sequence = 1; sequence <= 4; ++sequence) queue.push(make_frame(sequence));
    CHECK(queue.set_limits({.max_frames = 1, .max_bytes = 1 << 20}) == 3);
    CHECK(queue.size() == 1);
    CHECK(queue.pop()->frame().sequence == 4);
}

TEST_CASE("write progress: a viewer with nothing to send is never stalled") {
    WriteProgress progress;
    const auto start = WriteProgress::Clock::time_point{} + 1h;
    CHECK_FALSE(progress.stalled(start + 1h, 1s));
}

TEST_CASE("write progress: a write that does not move for the timeout is a stall") {
    WriteProgress progress;
    const auto start = WriteProgress::Clock::time_point{} + 1h;
    progress.write_started(start, 50'000);
    progress.observe(start + 500ms, 50'000);
    CHECK_FALSE(progress.stalled(start + 999ms, 1s));
    CHECK(progress.stalled(start + 1s, 1s));
}

TEST_CASE("write progress: bytes draining slowly count as progress") {
    WriteProgress progress;
    const auto start = WriteProgress::Clock::time_point{} + 1h;
    progress.write_started(start, 50'000);
    progress.observe(start + 900ms, 40'000);
    CHECK_FALSE(progress.stalled(start + 1500ms, 1s));
    CHECK(progress.stalled(start + 1900ms, 1s));
}

TEST_CASE("write progress: each new write starts its own stall clock") {
    WriteProgress progress;
    const auto start = WriteProgress::Clock::time_point{} + 1h;
    progress.write_started(start, 1000);
    progress.write_finished(start + 900ms);
    progress.write_started(start + 950ms, 1000);
    CHECK_FALSE(progress.stalled(start + 1900ms, 1s));
    CHECK(progress.stalled(start + 1950ms, 1s));
}

TEST_CASE("rate cap: 0 admits everything, N admits about N frames per second") {
    RateCap uncapped(0);
    RateCap capped(5);
    int uncapped_admitted = 0;
    int capped_admitted = 0;
    // Two seconds of a 30 fps source.
    for (int i = 0; i < 60; ++i) {
        const std::int64_t captured_us = 1'000'000 + i * 33'333;
        uncapped_admitted += uncapped.admit(captured_us) ? 1 : 0;
        capped_admitted += capped.admit(captured_us) ? 1 : 0;
    }
    CHECK(uncapped_admitted == 60);
    CHECK(capped_admitted >= 9);
    CHECK(capped_admitted <= 11);
}
