// Unit tests of camview's Opus decoding (viewer/audio/audio_decoder.*) and of the
// audio figures a session keeps (viewer/audio/audio_session.*): a tone survives
// encoding and decoding, short gaps are concealed with sound of the right
// length, long ones start the decoder over, broken packets are counted.
#include "audio/audio_decoder.hpp"
#include "audio/audio_session.hpp"
#include "support/audio_analysis.hpp"

#include <doctest/doctest.h>

#include <opus.h>

#include <memory>
#include <vector>

using camstream::viewer::AudioChunk;
using camstream::viewer::AudioDecoder;
using camstream::viewer::AudioSession;
using camstream::test::tone_frequency;
using camstream::test::sine;
namespace wire = camstream::wire;

namespace {

constexpr std::uint64_t kT0 = 1'700'000'000'000'000;  // µs since the epoch
constexpr std::size_t kPacket = wire::kAudioPacketSamples;

// 20 ms Opus packets of a mono 440 Hz tone, as the daemon would send them.
std::vector<std::vector<std::uint8_t>> encoded_tone(std::size_t packets) {
    int error = OPUS_OK;
    std::unique_ptr<OpusEncoder, decltype(&opus_encoder_destroy)> encoder(
        opus_encoder_create(wire::kAudioSampleRate, 1, OPUS_APPLICATION_AUDIO, &error),
        &opus_encoder_destroy);
    REQUIRE(error == OPUS_OK);
    std::vector<std::vector<std::uint8_t>> out;
    for (std::size_t i = 0; i < packets; ++i) {
        const auto pcm = sine(440.0, 8000.0, kPacket, i * kPacket);
        std::vector<std::uint8_t> packet(wire::kMaxAudioPacketLength);
        const auto size = opus_encode(encoder.get(), pcm.data(), static_cast<int>(kPacket),
                                      packet.data(), static_cast<opus_int32>(packet.size()));
        REQUIRE(size > 0);
        packet.resize(static_cast<std::size_t>(size));
        out.push_back(std::move(packet));
    }
    return out;
}

std::size_t total_samples(const std::vector<AudioChunk>& chunks) {
    std::size_t total = 0;
    for (const auto& chunk : chunks) total += chunk.samples.size();
    return total;
}

}  // namespace

TEST_CASE("viewer audio: an encoded 440 Hz tone decodes to 440 Hz within 1 %") {
    const auto packets = encoded_tone(50);
    AudioDecoder decoder(1);
    std::vector<std::int16_t> pcm;
    for (std::size_t i = 0; i < packets.size(); ++i) {
        for (const auto& chunk : decoder.decode(i + 1, kT0 + i * 20'000, packets[i])) {
            CHECK_FALSE(chunk.concealed);
            CHECK(chunk.capture_timestamp_us == kT0 + i * 20'000);
            pcm.insert(pcm.end(), chunk.samples.begin(), chunk.samples.end());
        }
    }
    CHECK(pcm.size() == 50 * kPacket);
    // The encoder's look-ahead shifts the start; the steady tone follows it.
    const auto steady = std::span<const std::int16_t>(pcm).subspan(10 * kPacket);
    CHECK(tone_frequency(steady) == doctest::Approx(440.0).epsilon(0.01));
    CHECK(decoder.decode_errors() == 0);
}

TEST_CASE("viewer audio: a gap of 2 packets is concealed with 40 ms of sound before the next") {
    const auto packets = encoded_tone(6);
    AudioDecoder decoder(1);
    CHECK(total_samples(decoder.decode(1, kT0, packets[0])) == kPacket);
    CHECK(total_samples(decoder.decode(2, kT0 + 20'000, packets[1])) == kPacket);
    // Packets 3 and 4 were lost.
    const auto chunks = decoder.decode(5, kT0 + 80'000, packets[4]);
    REQUIRE(chunks.size() == 3);
    CHECK(total_samples(chunks) == 3 * kPacket);
    CHECK(chunks[0].concealed);
    CHECK(chunks[0].capture_timestamp_us == kT0 + 40'000);
    CHECK(chunks[1].concealed);
    CHECK(chunks[1].capture_timestamp_us == kT0 + 60'000);
    CHECK_FALSE(chunks[2].concealed);
    CHECK(decoder.concealed_packets() == 2);
}

TEST_CASE("viewer audio: a gap longer than the concealment limit starts the decoder over") {
    const auto packets = encoded_tone(2);
    AudioDecoder decoder(1);
    decoder.decode(1, kT0, packets[0]);
    const auto chunks = decoder.decode(2 + AudioDecoder::kMaxConcealedPackets + 1, kT0 + 1'000'000,
                                       packets[1]);
    REQUIRE(chunks.size() == 1);
    CHECK_FALSE(chunks[0].concealed);
    CHECK(decoder.concealed_packets() == 0);
}

TEST_CASE("viewer audio: a packet libopus refuses is counted and concealed") {
    AudioDecoder decoder(2);
    // TOC code 3 (several frames) with a frame count of 0: no valid Opus packet.
    const std::vector<std::uint8_t> broken{0x03, 0x00};
    const auto chunks = decoder.decode(1, kT0, broken);
    CHECK(decoder.decode_errors() == 1);
    REQUIRE(chunks.size() == 1);
    CHECK(chunks[0].concealed);
    CHECK(chunks[0].samples.size() == 2 * kPacket);
}

TEST_CASE("viewer audio: a session counts packets and the packets missing between them") {
    AudioSession session({false, "null"});
    wire::StreamInfo info;
    info.audio_codec = wire::AudioCodec::opus;
    info.audio_channels = 1;
    session.on_accepted(info);
    const auto packets = encoded_tone(4);
    for (const std::uint64_t sequence : {10, 11, 14, 15}) {
        wire::MessageHeader header;
        header.type = wire::MessageType::audio_packet;
        header.sequence = sequence;
        header.timestamp_us = kT0 + sequence * 20'000;
        session.on_audio(header, packets[0]);
    }
    const auto counters = session.counters();
    CHECK(counters.packets == 4);
    CHECK(counters.gaps == 2);
    CHECK(counters.decode_errors == 0);
}

TEST_CASE("viewer audio: a muted session plays nothing and says so") {
    AudioSession session({true, "null"});
    wire::StreamInfo info;
    info.audio_codec = wire::AudioCodec::opus;
    info.audio_channels = 1;
    session.on_accepted(info);
    session.on_audio({}, encoded_tone(1)[0]);
    CHECK(session.counters().packets == 0);
    CHECK(session.status(camstream::viewer::SteadyClock::now()) ==
          camstream::viewer::AudioStatus::muted);
}
