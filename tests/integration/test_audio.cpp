// Integration: audio beside the video. A viewer that asks for audio gets the
// tone, whole and in order, at its frequency; one that does not ask gets the
// version-1 stream, byte for byte; slow listeners lose whole packets, counted,
// never reordered; a missing microphone is said, and video goes on.
#include "support/audio_analysis.hpp"
#include "support/daemon_process.hpp"
#include "support/emulation.hpp"
#include "support/http_client.hpp"
#include "support/viewer_group.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <thread>

using namespace camstream::test;
namespace wire = camstream::wire;
using namespace std::chrono_literals;

namespace {

constexpr int kToneHz = 440;
// Small pictures: the video is not what these tests look at.
const std::vector<std::string> kTone{"source.width=320", "source.height=240", "source.fps=20",
                                     "audio.source=tone:440"};

std::vector<std::vector<std::uint8_t>> payloads(const std::vector<ReceivedAudio>& audio) {
    std::vector<std::vector<std::uint8_t>> out;
    out.reserve(audio.size());
    for (const auto& packet : audio) out.push_back(packet.opus);
    return out;
}

// Packets whose sequence number does not follow the previous one's by exactly 1.
std::size_t sequence_gaps(const std::vector<ReceivedAudio>& audio) {
    std::size_t gaps = 0;
    for (std::size_t i = 1; i < audio.size(); ++i) gaps += audio[i].sequence != audio[i - 1].sequence + 1;
    return gaps;
}

// Packets that did not come later than the one before: reordered or repeated.
std::size_t out_of_order(const std::vector<ReceivedAudio>& audio) {
    std::size_t count = 0;
    for (std::size_t i = 1; i < audio.size(); ++i) count += audio[i].sequence <= audio[i - 1].sequence;
    return count;
}

}  // namespace

TEST_CASE("audio: a viewer that does not ask for audio gets the version-1 stream and no audio bytes") {
    DaemonProcess daemon(kTone);
    INFO("daemon log:\n" << daemon.log_tail());

    TestClient deaf(daemon.port());
    TestClient listener(daemon.port(), {.audio = true});
    TestClient* both[] = {&deaf, &listener};
    handshake_all(both);
    pump_for(both, 3s);

    CAPTURE(deaf.summary());
    CAPTURE(listener.summary());
    REQUIRE(deaf.server_hello()->accepted());
    CHECK(deaf.server_hello()->info.audio_codec == wire::AudioCodec::none);
    CHECK(deaf.server_hello()->info.audio_channels == 0);
    CHECK(deaf.audio().empty());
    CHECK(deaf.audio_bytes_received() == 0);
    CHECK(deaf.skipped_types().empty());
    CHECK(deaf.frames().size() >= 40);

    REQUIRE(listener.server_hello()->accepted());
    CHECK(listener.server_hello()->info.audio_codec == wire::AudioCodec::opus);
    CHECK(listener.server_hello()->info.audio_channels == 1);
    // 3 s of 20 ms packets is 150; the encoder starts with the first listener.
    CHECK(listener.audio().size() >= 120);
    CHECK(listener.frames().size() >= 40);
    CHECK(daemon.stop().exited_with(0));
}

TEST_CASE("audio: the tone arrives at its frequency, whole, in order and without gaps for 10 s") {
    DaemonProcess daemon(kTone);
    INFO("daemon log:\n" << daemon.log_tail());
    TestClient listener(daemon.port(), {.audio = true});
    REQUIRE(listener.handshake().accepted());
    TestClient* self[] = {&listener};
    pump_for(self, 10s);

    const auto& audio = listener.audio();
    CAPTURE(listener.summary());
    REQUIRE(audio.size() >= 450);
    CHECK(sequence_gaps(audio) == 0);
    CHECK(out_of_order(audio) == 0);
    // Each packet is dated by its first sample: 20 ms apart, exactly.
    std::size_t misdated = 0;
    for (std::size_t i = 1; i < audio.size(); ++i) {
        misdated += audio[i].timestamp_us - audio[i - 1].timestamp_us != 20000;
    }
    CHECK(misdated == 0);
    // On the video's clock: within a second of when it arrived.
    const auto& last_frame = listener.frames().back();
    CHECK(std::llabs(static_cast<long long>(audio.back().timestamp_us) -
                     static_cast<long long>(last_frame.timestamp_us)) < 1'000'000);

    const auto pcm = decode_opus(payloads(audio), 1);
    REQUIRE(pcm.size() == audio.size() * 960);
    // Skip the encoder's first packets (its look-ahead and start-up).
    const std::span<const std::int16_t> steady(pcm.data() + 4800, pcm.size() - 4800);
    const double frequency = tone_frequency(steady);
    CAPTURE(frequency);
    CHECK(std::abs(frequency - kToneHz) / kToneHz < 0.01);
    // No silence anywhere: the quiet part of the tone is -20 dBFS (0.07 RMS).
    const auto levels = block_rms(steady, 960);
    const auto quietest = *std::min_element(levels.begin(), levels.end());
    CAPTURE(quietest);
    CHECK(quietest > 0.03);
    CHECK(daemon.stop().exited_with(0));
}

TEST_CASE("audio: a slow listener loses whole audio packets, counted, never reordered") {
    skip_if_emulated("the encoder cannot make the 1080p frames that congest the link here");
    // 1080p frames at quality 95 (~150 KB) fill a small window quickly; the
    // listener reads nothing for 3 s, then everything.
    DaemonProcess daemon({"source.width=1920", "source.height=1080", "encoder.jpeg_quality=95", "source.fps=20",
                          "audio.source=tone:440", "viewer.stall_timeout=30s"});
    INFO("daemon log:\n" << daemon.log_tail());
    TestClient slow(daemon.port(), {.receive_buffer_bytes = 4096, .source_address = {}, .audio = true});
    REQUIRE(slow.handshake().accepted());
    TestClient* self[] = {&slow};
    pump_for(self, 1s);
    std::this_thread::sleep_for(3s);
    pump_until(self, [&] { return !slow.audio().empty() && slow.audio().back().timestamp_us + 500'000 >= static_cast<std::uint64_t>(system_now_us()); }, 15s);
    pump_for(self, 1s);

    const auto& audio = slow.audio();
    CAPTURE(slow.summary());
    REQUIRE(audio.size() >= 50);
    CHECK(out_of_order(audio) == 0);
    CHECK(sequence_gaps(audio) >= 1);  // it lost some: 3 s is more than its queue holds
    // Whole packets: every one decodes.
    CHECK_NOTHROW(decode_opus(payloads(audio), 1));
    // ... and the daemon counted what it dropped.
    const auto metrics = http_request(daemon.http_port(), "GET", "/metrics");
    CAPTURE(metrics.body);
    const auto line = metrics.body.find("camstream_audio_packets_dropped_total{protocol=\"tcp\"} ");
    REQUIRE(line != std::string::npos);
    const auto dropped = std::stoull(metrics.body.substr(line + std::string_view("camstream_audio_packets_dropped_total{protocol=\"tcp\"} ").size()));
    CHECK(dropped >= 1);
    CHECK(daemon.stop().exited_with(0));
}

TEST_CASE("heavy: audio: 100 listeners each receive at least 99 % of the audio packets") {
    skip_if_emulated("100 listeners under an emulator measure the emulator's speed, not the fan-out's");
    // One host opens all 100 at once: more than the default 64 may be greeting together.
    DaemonProcess daemon({"source.width=640", "source.height=480", "source.fps=15", "audio.source=tone:440",
                          "server.max_greeting_per_address=128"});
    INFO("daemon log:\n" << daemon.log_tail());
    ViewerGroup listeners(daemon.port(), 100, {.receive_buffer_bytes = 0, .source_address = {}, .audio = true});
    handshake_all(listeners.all());
    pump_for(listeners.all(), 8s);
    for (auto* listener : listeners.all()) {
        const auto& audio = listener->audio();
        CAPTURE(listener->summary());
        CHECK_FALSE(listener->ended());
        REQUIRE(audio.size() >= 2);
        CHECK(out_of_order(audio) == 0);
        const auto expected = audio.back().sequence - audio.front().sequence + 1;
        CHECK(expected >= 300);  // it listened for at least 6 s
        CHECK(static_cast<double>(audio.size()) >= 0.99 * static_cast<double>(expected));
    }
    CHECK(daemon.stop().exited_with(0));
}

TEST_CASE("audio: a microphone that is not there is reported lost and retried, and video goes on") {
    DaemonProcess daemon({"source.width=320", "source.height=240", "source.fps=20",
                          "audio.source=alsa:camstream_no_such_device", "audio.retry_initial=200ms",
                          "audio.retry_max=400ms"});
    INFO("daemon log:\n" << daemon.log_tail());
    TestClient listener(daemon.port(), {.audio = true});
    REQUIRE(listener.handshake().accepted());
    CHECK(listener.server_hello()->info.audio_codec == wire::AudioCodec::opus);
    TestClient* self[] = {&listener};
    const bool told = pump_until(
        self,
        [&] {
            return std::any_of(listener.heartbeats().begin(), listener.heartbeats().end(), [](const auto& beat) {
                return beat.payload_valid && beat.heartbeat.audio == wire::AudioState::lost;
            });
        },
        10s);
    CAPTURE(listener.summary());
    CHECK(told);
    CHECK(listener.audio().empty());
    pump_for(self, 2s);
    CHECK(listener.frames().size() >= 30);
    CHECK_FALSE(listener.ended());
    CHECK(daemon.log_line("camstream_no_such_device").has_value());
    const auto metrics = http_request(daemon.http_port(), "GET", "/metrics");
    CHECK(metrics.body.find("camstream_audio_state{state=\"lost\"} 1") != std::string::npos);
    CHECK(daemon.stop().exited_with(0));
}

TEST_CASE("audio: /audio is a live Ogg/Opus stream that ffmpeg plays at the tone's frequency") {
    DaemonProcess daemon(kTone);
    INFO("daemon log:\n" << daemon.log_tail());
    REQUIRE(daemon.http_port() != 0);
    const auto url = "http://127.0.0.1:" + std::to_string(daemon.http_port()) + "/audio";
    // ffmpeg reads the stream as any player would, and decodes 4 s of it to raw samples.
    const auto played = run_process({"/usr/bin/ffmpeg", "-nostdin", "-v", "error", "-i", url, "-t", "4", "-f", "s16le", "-ac",
                                     "1", "-ar", "48000", "-"},
                                    30s);
    CAPTURE(played.stderr_text);
    REQUIRE_FALSE(played.timed_out);
    CHECK(played.status.exited_with(0));
    const auto& bytes = played.stdout_text;
    REQUIRE(bytes.size() >= 3 * 48000 * 2);
    std::vector<std::int16_t> pcm(bytes.size() / 2);
    std::memcpy(pcm.data(), bytes.data(), pcm.size() * 2);
    const std::span<const std::int16_t> steady(pcm.data() + 4800, pcm.size() - 4800);
    const double frequency = tone_frequency(steady);
    CAPTURE(frequency);
    CHECK(std::abs(frequency - kToneHz) / kToneHz < 0.01);

    // A listener without pictures: no frame was encoded for it alone.
    const auto metrics = http_request(daemon.http_port(), "GET", "/metrics");
    CHECK(metrics.body.find("camstream_frames_encoded_total 0") != std::string::npos);
    CHECK(daemon.stop().exited_with(0));
}

TEST_CASE("audio: without audio, /audio is 404 and the hello's audio fields stay zero") {
    DaemonProcess daemon({"source.width=320", "source.height=240"});
    INFO("daemon log:\n" << daemon.log_tail());
    const auto response = http_request(daemon.http_port(), "GET", "/audio");
    CHECK(response.status == 404);
    TestClient listener(daemon.port(), {.audio = true});
    REQUIRE(listener.handshake().accepted());
    CHECK(listener.server_hello()->info.audio_codec == wire::AudioCodec::none);
    TestClient* self[] = {&listener};
    pump_for(self, 1s);
    CHECK(listener.audio().empty());
    CHECK(listener.frames().size() >= 5);
}

TEST_CASE("audio: a microphone through ALSA, fed from a file by ALSA's file plugin, is heard at its pitch and pace") {
    // What the daemon opens is a real ALSA capture PCM: the `file` plugin reads
    // a raw 1 kHz tone as its microphone, over the `null` plugin.
    TempDir dir("alsa-mic");
    const auto raw = dir.path() / "mic.raw";
    {
        std::ofstream out(raw, std::ios::binary);
        for (int i = 0; i < 10 * kAudioRate; ++i) {
            const auto sample = static_cast<std::int16_t>(std::lround(8000.0 * std::sin(2 * M_PI * 1000.0 * i / kAudioRate)));
            out.write(reinterpret_cast<const char*>(&sample), sizeof sample);
        }
    }
    const auto config = dir.path() / "asound.conf";
    std::ofstream(config) << "</usr/share/alsa/alsa.conf>\n"
                          << "pcm.camtest_mic { type file slave.pcm \"null\" file \"/dev/null\" infile \""
                          << raw.string() << "\" format \"raw\" }\n";
    DaemonProcess daemon({"source.width=320", "source.height=240", "source.fps=20", "audio.source=alsa:camtest_mic"},
                         {"ALSA_CONFIG_PATH=" + config.string()});
    INFO("daemon log:\n" << daemon.log_tail());
    TestClient listener(daemon.port(), {.audio = true});
    REQUIRE(listener.handshake().accepted());
    TestClient* self[] = {&listener};
    pump_for(self, 4s);

    const auto& audio = listener.audio();
    CAPTURE(listener.summary());
    // The file plugin hands out samples as fast as they are asked for; the
    // daemon still sends them at the pace of sound: 4 s is about 200 packets.
    CHECK(audio.size() >= 170);
    CHECK(audio.size() <= 230);
    CHECK(sequence_gaps(audio) == 0);
    const auto pcm = decode_opus(payloads(audio), 1);
    const std::span<const std::int16_t> steady(pcm.data() + 4800, pcm.size() - 4800);
    const double frequency = tone_frequency(steady);
    CAPTURE(frequency);
    CHECK(std::abs(frequency - 1000.0) / 1000.0 < 0.01);
    CHECK(daemon.stop().exited_with(0));
}
