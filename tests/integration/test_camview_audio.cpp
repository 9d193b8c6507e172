// Integration: camview hears the camera. It plays the daemon's tone through
// ALSA (here a `file` PCM, which writes what is played to a WAV, in an ALSA
// configuration the test writes), reports the audio in its JSON, and presents
// the test pattern's flash with the tone's beep.
#include "support/audio_analysis.hpp"
#include "support/camview_process.hpp"
#include "support/daemon_process.hpp"
#include "support/emulation.hpp"

#include <doctest/doctest.h>

#include <sndfile.h>

#include <fstream>

using namespace camstream::test;
using namespace std::chrono_literals;

namespace {

// An ALSA configuration with the system's own, plus `camtest_out`: a PCM that
// writes what is played into `wav` and sends it nowhere.
struct AlsaFileOutput {
    TempDir dir{"camview-audio"};
    std::filesystem::path wav = dir.path() / "played.wav";
    std::filesystem::path config = dir.path() / "asound.conf";

    AlsaFileOutput() {
        std::ofstream out(config);
        out << "</usr/share/alsa/alsa.conf>\n"
            << "pcm.camtest_out { type file slave.pcm \"null\" file \"" << wav.string() << "\" format \"wav\" }\n";
    }
    std::vector<std::string> env() const { return {"ALSA_CONFIG_PATH=" + config.string()}; }
};

std::vector<std::int16_t> read_wav(const std::filesystem::path& path, int& channels, int& rate) {
    SF_INFO info{};
    SNDFILE* file = sf_open(path.c_str(), SFM_READ, &info);
    if (file == nullptr) return {};
    std::vector<std::int16_t> samples(static_cast<std::size_t>(info.frames * info.channels));
    sf_readf_short(file, samples.data(), info.frames);
    sf_close(file);
    channels = info.channels;
    rate = info.samplerate;
    return samples;
}

std::string summary_line(const ProcessResult& result) {
    const auto lines = result.stdout_lines();
    return lines.empty() ? std::string() : lines.back();
}

}  // namespace

TEST_CASE("camview: plays the daemon's tone through ALSA and reports the audio in its JSON") {
    DaemonProcess daemon({"source.width=320", "source.height=240", "source.fps=20", "audio.source=tone:440"});
    INFO("daemon log:\n" << daemon.log_tail());
    AlsaFileOutput output;
    // 100 frames at 20 fps: 5 s of sound.
    const auto result = run_camview({"--headless", "--frames", "100", "--timeout", "60", "--audio-device",
                                     "camtest_out", loopback_address(daemon.port())},
                                    90s, output.env());
    const auto summary = summary_line(result);
    CAPTURE(summary);
    CAPTURE(result.stderr_text);
    CHECK(result.status.exited_with(0));
    CHECK(json_field(summary, "audio_state") == std::optional<std::string>("playing"));
    const auto packets = std::stoull(json_field(summary, "audio_packets").value_or("0"));
    CHECK(packets >= 200);
    CHECK(json_field(summary, "audio_gaps") == std::optional<std::string>("0"));
    CHECK(json_field(summary, "audio_decode_errors") == std::optional<std::string>("0"));

    int channels = 0;
    int rate = 0;
    const auto played = read_wav(output.wav, channels, rate);
    REQUIRE(channels == 1);
    CHECK(rate == 48000);
    REQUIRE(played.size() >= 3 * 48000);
    // Past the decoder's start; the tone plays throughout.
    const std::span<const std::int16_t> steady(played.data() + 9600, played.size() - 9600);
    const double frequency = tone_frequency(steady);
    CAPTURE(frequency);
    CHECK(std::abs(frequency - 440.0) / 440.0 < 0.01);
    CHECK(daemon.stop().exited_with(0));
}

TEST_CASE("camview: the test pattern's flash and the tone's beep are presented less than 45 ms apart") {
    skip_if_emulated("an emulated camview presents late by the emulator's own delays, not by its sync");
    DaemonProcess daemon({"source.width=640", "source.height=480", "source.fps=30", "audio.source=tone:440"});
    INFO("daemon log:\n" << daemon.log_tail());
    AlsaFileOutput output;
    // 240 frames at 30 fps: 8 s, 7 or 8 flashes and beeps.
    const auto result = run_camview({"--headless", "--frames", "240", "--timeout", "60", "--audio-device",
                                     "camtest_out", "--sync-report", loopback_address(daemon.port())},
                                    90s, output.env());
    const auto summary = summary_line(result);
    CAPTURE(summary);
    CAPTURE(result.stderr_text);
    CHECK(result.status.exited_with(0));
    const auto report_at = summary.find("\"sync_report\"");
    REQUIRE(report_at != std::string::npos);
    const auto report = summary.substr(report_at);
    const auto pairs = std::stoull(json_field(report, "count").value_or("0"));
    CHECK(pairs >= 5);
    const auto worst = std::stod(json_field(report, "max_abs").value_or("1000"));
    CAPTURE(worst);
    CHECK(worst < 45.0);
    CHECK(daemon.stop().exited_with(0));
}
