// Unit tests of the pieces between the decoder and ALSA: the jitter buffer
// (viewer/audio/playout_buffer.*) starts at its level and drops the oldest sound
// above its bound; the pacer (viewer/audio/output_pacer.*) drains like a sound card
// by the wall clock and notices when it ran dry.
#include "audio/output_pacer.hpp"
#include "audio/playout_buffer.hpp"

#include <doctest/doctest.h>

#include <chrono>

using camstream::viewer::AudioChunk;
using camstream::viewer::OutputPacer;
using camstream::viewer::PlayoutBuffer;
using namespace std::chrono_literals;

namespace {

AudioChunk chunk_of_20ms(std::uint64_t timestamp_us) {
    return {std::vector<std::int16_t>(960), timestamp_us, false};
}

}  // namespace

TEST_CASE("viewer playout buffer: nothing plays until 80 ms are buffered") {
    PlayoutBuffer buffer({80ms, 400ms}, 1);
    for (int i = 0; i < 3; ++i) buffer.push(chunk_of_20ms(i));
    CHECK_FALSE(buffer.pop(0ms));
    buffer.push(chunk_of_20ms(3));
    const auto first = buffer.pop(0ms);
    REQUIRE(first);
    CHECK(first->capture_timestamp_us == 0);
    // Once playing, it plays down to empty.
    for (int i = 0; i < 3; ++i) CHECK(buffer.pop(0ms));
    CHECK_FALSE(buffer.pop(0ms));
}

TEST_CASE("viewer playout buffer: after the output ran dry it refills to 80 ms first") {
    PlayoutBuffer buffer({80ms, 400ms}, 1);
    for (int i = 0; i < 4; ++i) buffer.push(chunk_of_20ms(i));
    buffer.refill();  // 80 ms are there: no waiting
    CHECK(buffer.pop(0ms));
    buffer.refill();  // 60 ms left
    CHECK_FALSE(buffer.pop(0ms));
    buffer.push(chunk_of_20ms(4));
    CHECK(buffer.pop(0ms));
}

TEST_CASE("viewer playout buffer: above its bound the oldest sound is dropped and counted") {
    PlayoutBuffer buffer({80ms, 100ms}, 2);
    for (int i = 0; i < 7; ++i) buffer.push({std::vector<std::int16_t>(2 * 960), std::uint64_t(i), false});
    CHECK(buffer.dropped_chunks() == 2);
    CHECK(buffer.level() == 100ms);
    CHECK(buffer.pop(0ms)->capture_timestamp_us == 2);
}

TEST_CASE("viewer output pacer: sound drains at the sample rate and writes wait for room") {
    const auto t0 = OutputPacer::Clock::time_point{} + 100s;
    OutputPacer pacer(48000, 1920);  // a 40 ms buffer
    CHECK(pacer.ready_at(960, t0) == t0);
    CHECK_FALSE(pacer.written(960, t0));
    CHECK_FALSE(pacer.written(960, t0));
    CHECK(pacer.delay(t0) == 1920);
    CHECK(pacer.delay(t0 + 10ms) == 1440);
    // Full: 20 ms more fit once 20 ms have played.
    CHECK(pacer.ready_at(960, t0) == t0 + 20ms);
    CHECK_FALSE(pacer.written(960, t0 + 20ms));
    CHECK(pacer.delay(t0 + 20ms) == 1920);
}

TEST_CASE("viewer output pacer: a write after the buffer ran dry is an underrun and starts over") {
    const auto t0 = OutputPacer::Clock::time_point{} + 100s;
    OutputPacer pacer(48000, 1920);
    pacer.written(960, t0);
    CHECK(pacer.delay(t0 + 30ms) == 0);
    CHECK(pacer.written(960, t0 + 30ms));
    CHECK(pacer.delay(t0 + 30ms) == 960);
    CHECK(pacer.delay(t0 + 40ms) == 480);
}
