// WavFileSource: a short file plays in a loop, paced, converted to the
// configured channel count; a file not at 48 kHz is refused with the fix.
#include "audio/wav_file_source.hpp"
#include "audio_test_support.hpp"

#include <doctest/doctest.h>
#include <sndfile.h>

#include <vector>

using namespace camstream;
using namespace camstream::audio_test;

namespace {

void write_wav(const std::filesystem::path& path, int rate, int channels, const std::vector<std::int16_t>& samples) {
    SF_INFO info{};
    info.samplerate = rate;
    info.channels = channels;
    info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
    SNDFILE* file = sf_open(path.c_str(), SFM_WRITE, &info);
    REQUIRE_MESSAGE(file != nullptr, sf_strerror(nullptr));
    REQUIRE(sf_writef_short(file, samples.data(), static_cast<sf_count_t>(samples.size()) / channels) ==
            static_cast<sf_count_t>(samples.size()) / channels);
    sf_close(file);
}

}  // namespace

TEST_CASE("wav file source: a mono file of 1.5 packets loops, doubled into stereo, packets 20 ms apart") {
    TempFolder folder;
    const auto path = folder.path() / "ramp.wav";
    std::vector<std::int16_t> ramp(1440);
    for (std::size_t i = 0; i < ramp.size(); ++i) ramp[i] = static_cast<std::int16_t>(i);
    write_wav(path, 48000, 1, ramp);

    StopSignal stop;
    WavFileSource source(path.string(), 2, stop);
    std::string error;
    REQUIRE_MESSAGE(source.open(error), error);
    std::vector<std::int16_t> packet(2 * 960);
    std::int64_t previous_us = 0;
    for (std::size_t n = 0; n < 4; ++n) {  // 3840 frames: the file 2.67 times
        std::int64_t first_us = 0;
        REQUIRE_MESSAGE(source.read(packet, first_us), source.last_error());
        if (n > 0) CHECK(first_us - previous_us == 20000);
        previous_us = first_us;
        for (std::size_t frame = 0; frame < 960; ++frame) {
            const auto expected = static_cast<std::int16_t>((n * 960 + frame) % 1440);
            if (packet[2 * frame] != expected || packet[2 * frame + 1] != expected) {
                FAIL("packet " << n << " frame " << frame << ": " << packet[2 * frame] << "/" << packet[2 * frame + 1]
                               << ", expected " << expected);
            }
        }
    }
}

TEST_CASE("wav file source: stereo into mono averages the two channels") {
    TempFolder folder;
    const auto path = folder.path() / "stereo.wav";
    std::vector<std::int16_t> samples;
    for (int frame = 0; frame < 960; ++frame) samples.insert(samples.end(), {100, 301});
    write_wav(path, 48000, 2, samples);
    StopSignal stop;
    WavFileSource source(path.string(), 1, stop);
    std::string error;
    REQUIRE(source.open(error));
    std::vector<std::int16_t> packet(960);
    std::int64_t first_us = 0;
    REQUIRE(source.read(packet, first_us));
    for (const auto sample : packet) CHECK(sample == 200);
}

TEST_CASE("wav file source: a 44100 Hz file is refused, naming the file, its rate and the fix") {
    TempFolder folder;
    const auto path = folder.path() / "cd.wav";
    write_wav(path, 44100, 1, std::vector<std::int16_t>(4410));
    StopSignal stop;
    WavFileSource source(path.string(), 1, stop);
    std::string error;
    CHECK_FALSE(source.open(error));
    CHECK(error == path.string() + " is sampled at 44100 Hz; camstreamd needs 48000 Hz: convert it with 'sox " +
                       path.string() + " -r 48000 OUT.wav'");

    WavFileSource missing((folder.path() / "none.wav").string(), 1, stop);
    CHECK_FALSE(missing.open(error));
    CHECK(error.find("none.wav") != std::string::npos);
}
