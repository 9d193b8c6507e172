// Unit tests of camview's ALSA playback (viewer/audio/audio_player.*) into an ALSA
// `file` PCM over `null`, which writes what it is given to a WAV file. The test
// writes its own ALSA configuration: ALSA_CONFIG_PATH names the files alsa-lib
// reads instead of /usr/share/alsa/alsa.conf, so ours includes that one and
// adds the PCM. alsa-lib reloads its configuration when the variable changes.
#include "audio/audio_player.hpp"
#include "support/audio_analysis.hpp"

#include <doctest/doctest.h>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

using camstream::viewer::AudioChunk;
using camstream::viewer::AudioPlayer;
using camstream::viewer::AudioPlayerSettings;
using SteadyClock = camstream::viewer::AudioPlayer::Clock;
using camstream::test::tone_frequency;
using camstream::test::sine;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

constexpr std::int64_t kT0 = 1'700'000'000'000'000;  // µs since the epoch

// A directory with an ALSA configuration defining pcm.camtest_out, a WAV writer.
struct WavOutput {
    fs::path directory = fs::temp_directory_path() / ("camview-alsa-" + std::to_string(getpid()));
    fs::path wav = directory / "out.wav";

    WavOutput() {
        fs::create_directories(directory);
        fs::remove(wav);
        const auto config = directory / "asound.conf";
        std::ofstream(config) << "</usr/share/alsa/alsa.conf>\n"
                                 "pcm.camtest_out {\n"
                                 "    type file\n"
                                 "    slave.pcm \"null\"\n"
                                 "    file \"" << wav.string() << "\"\n"
                                 "    format \"wav\"\n"
                                 "}\n";
        setenv("ALSA_CONFIG_PATH", config.c_str(), 1);
    }
    ~WavOutput() {
        unsetenv("ALSA_CONFIG_PATH");
        fs::remove_all(directory);
    }

    // The 16-bit samples of the WAV's data chunk.
    std::vector<std::int16_t> samples() const {
        std::ifstream in(wav, std::ios::binary);
        const std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                      std::istreambuf_iterator<char>());
        std::size_t at = 12;  // past "RIFF", size, "WAVE"
        while (at + 8 <= bytes.size()) {
            std::uint32_t size = 0;
            std::memcpy(&size, bytes.data() + at + 4, 4);
            if (std::memcmp(bytes.data() + at, "data", 4) == 0) {
                const std::size_t end = std::min(bytes.size(), at + 8 + size);
                std::vector<std::int16_t> out((end - at - 8) / 2);
                std::memcpy(out.data(), bytes.data() + at + 8, out.size() * 2);
                return out;
            }
            at += 8 + size;
        }
        return {};
    }
};

}  // namespace

TEST_CASE("viewer audio player: a tone played into an ALSA file PCM is in the WAV at its frequency, "
          "in real time") {
    WavOutput output;
    AudioPlayerSettings settings;
    settings.device = "camtest_out";
    settings.channels = 1;
    constexpr int kPackets = 50;  // one second

    std::vector<SteadyClock::time_point> heard_at;  // the tap runs on the player thread
    std::mutex heard_mutex;
    const auto start = SteadyClock::now();
    {
        auto opened = AudioPlayer::open(settings, [&](std::span<const std::int16_t>, int,
                                                      SteadyClock::time_point first_heard_at) {
            std::lock_guard lock(heard_mutex);
            heard_at.push_back(first_heard_at);
        });
        REQUIRE_MESSAGE(opened.player, opened.error);
        auto& player = *opened.player;
        CHECK_FALSE(player.clock_us(SteadyClock::now()));  // nothing played yet
        std::optional<std::int64_t> first_clock;
        std::optional<std::int64_t> second_clock;
        SteadyClock::time_point first_look;
        SteadyClock::time_point second_look;
        // Packets come in as the network would bring them, one per 20 ms.
        for (int i = 0; i < kPackets; ++i) {
            std::this_thread::sleep_until(start + i * 20ms);
            player.play({sine(440.0, 8000.0, 960, static_cast<std::size_t>(i) * 960),
                         static_cast<std::uint64_t>(kT0 + i * 20'000), false});
            if (i == 25) first_clock = player.clock_us(first_look = SteadyClock::now());
            if (i == 40) second_clock = player.clock_us(second_look = SteadyClock::now());
        }
        // The audio clock says what is heard (behind what arrived by the
        // buffering), and runs with the wall clock.
        REQUIRE(first_clock);
        REQUIRE(second_clock);
        CHECK(*first_clock > kT0 + 300'000);
        CHECK(*first_clock < kT0 + 500'000);
        const double wall_ms = std::chrono::duration<double, std::milli>(second_look - first_look).count();
        CHECK(static_cast<double>(*second_clock - *first_clock) / 1000.0 ==
              doctest::Approx(wall_ms).epsilon(0.05));
        const auto deadline = SteadyClock::now() + 5s;
        while (SteadyClock::now() < deadline) {
            {
                std::lock_guard lock(heard_mutex);
                if (heard_at.size() == kPackets) break;
            }
            std::this_thread::sleep_for(10ms);
        }
        CHECK(player.counters().underruns == 0);
    }  // closing the PCM completes the WAV
    REQUIRE(heard_at.size() == kPackets);
    const std::chrono::duration<double, std::milli> heard_span = heard_at.back() - heard_at.front();
    CHECK(heard_span.count() == doctest::Approx(980.0).epsilon(0.01));

    const auto samples = output.samples();
    CHECK(samples.size() == kPackets * 960);
    CHECK(tone_frequency(samples) == doctest::Approx(440.0).epsilon(0.01));
}

TEST_CASE("viewer audio player: sound that arrives at once still leaves in real time") {
    WavOutput output;
    AudioPlayerSettings settings;
    settings.device = "camtest_out";
    std::atomic<int> written{0};
    const auto start = SteadyClock::now();
    std::atomic<SteadyClock::rep> last_write{0};
    auto opened = AudioPlayer::open(settings, [&](std::span<const std::int16_t>, int,
                                                  SteadyClock::time_point) {
        last_write = (SteadyClock::now() - start).count();
        ++written;
    });
    REQUIRE_MESSAGE(opened.player, opened.error);
    // 300 ms in one burst: the null plugin would take it in a millisecond.
    for (int i = 0; i < 15; ++i) opened.player->play({std::vector<std::int16_t>(960), 0, false});
    const auto deadline = SteadyClock::now() + 5s;
    while (written < 15 && SteadyClock::now() < deadline) std::this_thread::sleep_for(10ms);
    REQUIRE(written == 15);
    // All but the output buffer's 40 ms must wait for their turn.
    CHECK(SteadyClock::duration(last_write.load()) >= 250ms);
}

TEST_CASE("viewer audio player: a device that does not exist is an error, not a crash") {
    AudioPlayerSettings settings;
    settings.device = "camview_no_such_device";
    const auto opened = AudioPlayer::open(settings);
    CHECK_FALSE(opened.player);
    CHECK(opened.error.find("camview_no_such_device") != std::string::npos);
}
