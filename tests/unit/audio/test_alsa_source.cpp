// AlsaSource, through a real libasound: ALSA's `file` plugin stands in for a
// microphone, reading its samples from a raw file (infile) while its slave,
// the `null` plugin, supplies the timing. The config needs nothing from
// /usr/share/alsa/alsa.conf: it names its slave inline.
//
// What we found (alsa-lib 1.2.8): the null plugin does not pace capture. It
// reports the whole buffer available at once and never makes snd_pcm_wait()
// block, so snd_pcm_readi returns as fast as it is called (arecord takes
// 2 s of audio through it in a few ms; strace shows no poll at all), and
// snd_pcm_avail says nothing about when samples were taken. After the
// infile's end the reads keep "succeeding" with stale buffer contents, so a
// test must read no more than the file holds. The ~200 ms these 10 packets
// take is AlsaSource's own guard against a device running ahead of the wall
// clock, not the plugin's; this test checks the samples.
#include "audio/alsa_source.hpp"
#include "audio_test_support.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <fstream>
#include <vector>

using namespace camstream;
using namespace camstream::audio_test;

TEST_CASE("alsa source: the samples of ALSA's file plugin read back as they are in the file") {
    TempFolder folder;
    constexpr std::size_t kPackets = 10;
    std::vector<std::int16_t> written(kPackets * 960 * 2);
    for (std::size_t i = 0; i < written.size(); ++i) {
        written[i] = static_cast<std::int16_t>(static_cast<int>(i * 7 % 65536) - 32768);
    }
    const auto raw = folder.path() / "in.raw";
    std::ofstream(raw, std::ios::binary)
        .write(reinterpret_cast<const char*>(written.data()), static_cast<std::streamsize>(written.size() * 2));
    const auto config = folder.path() / "asoundrc";
    std::ofstream(config) << "pcm.camtest_mic {\n  type file\n  slave.pcm { type null }\n"
                          << "  file \"/dev/null\"\n  infile \"" << raw.string() << "\"\n  format \"raw\"\n}\n";
    // alsa-lib reads ALSA_CONFIG_PATH instead of its own configuration.
    REQUIRE(::setenv("ALSA_CONFIG_PATH", config.c_str(), 1) == 0);

    StopSignal stop;
    AlsaSource source("camtest_mic", 2, stop);
    std::string error;
    REQUIRE_MESSAGE(source.open(error), error);
    CHECK(source.describe() == "alsa:camtest_mic");
    std::vector<std::int16_t> read_back;
    std::vector<std::int16_t> packet(2 * 960);
    const auto started = std::chrono::steady_clock::now();
    for (std::size_t n = 0; n < kPackets; ++n) {
        std::int64_t first_us = 0;
        REQUIRE_MESSAGE(source.read(packet, first_us), source.last_error());
        read_back.insert(read_back.end(), packet.begin(), packet.end());
    }
    const auto elapsed = std::chrono::steady_clock::now() - started;
    MESSAGE("200 ms of audio through the file/null plugins took "
            << std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count() << " us");
    CHECK(read_back == written);
    CHECK(source.overruns() == 0);
    ::unsetenv("ALSA_CONFIG_PATH");
}

TEST_CASE("alsa source: a device that does not exist fails open with its name and ALSA's reason") {
    StopSignal stop;
    AlsaSource source("camtest_no_such_device", 1, stop);
    std::string error;
    CHECK_FALSE(source.open(error));
    CHECK(error.find("'camtest_no_such_device'") != std::string::npos);
    INFO(error);
    CHECK(error.find(": ") != std::string::npos);
}
