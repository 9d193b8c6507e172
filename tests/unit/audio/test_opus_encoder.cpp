// OpusPacketEncoder: a tone survives a round trip through libopus's own
// decoder at its frequency, and each packet is one 20 ms Opus frame.
#include "audio/opus_encoder.hpp"
#include "audio_test_support.hpp"

#include <doctest/doctest.h>
#include <opus.h>

#include <numbers>
#include <vector>

using namespace camstream;
using namespace camstream::audio_test;

TEST_CASE("opus encoder: a 1 kHz tone decodes back at 1 kHz, within 1 %") {
    OpusPacketEncoder encoder(1, 64000);
    int rc = OPUS_OK;
    OpusDecoder* decoder = opus_decoder_create(48000, 1, &rc);
    REQUIRE(rc == OPUS_OK);
    std::vector<std::int16_t> decoded;
    std::vector<std::int16_t> packet(960);
    std::vector<std::int16_t> out(960);
    double phase = 0;
    for (int n = 0; n < 75; ++n) {  // 1.5 s
        for (auto& sample : packet) {
            sample = static_cast<std::int16_t>(std::lround(10000 * std::sin(phase)));
            phase += 2 * std::numbers::pi * 1000 / 48000;
        }
        const auto bytes = encoder.encode(packet);
        REQUIRE_MESSAGE(!bytes.empty(), encoder.last_error());
        CHECK(bytes.size() < 1275);
        CHECK(opus_packet_get_nb_samples(bytes.data(), static_cast<opus_int32>(bytes.size()), 48000) == 960);
        const auto size = static_cast<opus_int32>(bytes.size());
        const int frames = opus_decode(decoder, bytes.data(), size, out.data(), 960, 0);
        REQUIRE(frames == 960);
        decoded.insert(decoded.end(), out.begin(), out.end());
    }
    opus_decoder_destroy(decoder);
    // The first 0.5 s holds the codec's start-up; measure the last second.
    const std::span<const std::int16_t> settled(decoded.data() + 24000, 48000);
    CHECK(tone_frequency(settled) == doctest::Approx(1000).epsilon(0.01));
    CHECK(rms(settled) > 5000);
}

TEST_CASE("opus encoder: a packet of the wrong size is refused with a reason") {
    OpusPacketEncoder encoder(2, 64000);
    std::vector<std::int16_t> mono_sized(960);
    CHECK(encoder.encode(mono_sized).empty());
    CHECK(encoder.last_error().find("960 frames of 2 channel(s)") != std::string::npos);
    CHECK_THROWS_AS(OpusPacketEncoder(3, 64000), std::runtime_error);
}
