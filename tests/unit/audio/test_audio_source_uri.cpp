// audio.source's grammar (audio/audio_source_uri.hpp), and its errors as the
// configuration reports them: FILE:LINE:COLUMN and the forms expected.
#include "audio/audio_source_uri.hpp"
#include "config/config.hpp"

#include <doctest/doctest.h>

using namespace camstream;

TEST_CASE("audio source uri: none, tone:FREQ, file:PATH and alsa:DEVICE") {
    std::string error;
    CHECK(parse_audio_source_uri("none", error)->kind == AudioSourceUri::Kind::none);
    const auto tone = parse_audio_source_uri("tone:440", error);
    REQUIRE(tone);
    CHECK(tone->kind == AudioSourceUri::Kind::tone);
    CHECK(tone->tone_hz == 440);
    CHECK(parse_audio_source_uri("tone:20", error));
    CHECK(parse_audio_source_uri("tone:20000", error));
    const auto file = parse_audio_source_uri("file:/srv/sound/door.wav", error);
    REQUIRE(file);
    CHECK(file->kind == AudioSourceUri::Kind::file);
    CHECK(file->path == "/srv/sound/door.wav");
    const auto alsa = parse_audio_source_uri("alsa:plughw:CARD=Mic,DEV=0", error);
    REQUIRE(alsa);
    CHECK(alsa->kind == AudioSourceUri::Kind::alsa);
    CHECK(alsa->path == "plughw:CARD=Mic,DEV=0");
}

TEST_CASE("audio source uri: anything else is refused, saying what was expected") {
    std::string error;
    for (const char* text : {"mic", "pulse:default", "", "tone", "none:x"}) {
        CHECK_FALSE(parse_audio_source_uri(text, error));
        CHECK(error == "expected 'none', 'tone:FREQ', 'file:PATH' or 'alsa:DEVICE'");
    }
    for (const char* text : {"tone:19.9", "tone:20001", "tone:", "tone:440Hz", "tone:nan"}) {
        INFO(text);
        CHECK_FALSE(parse_audio_source_uri(text, error));
        CHECK(error == "expected 'tone:FREQ' with a frequency from 20 to 20000 Hz, such as tone:440");
    }
    CHECK_FALSE(parse_audio_source_uri("file:", error));
    CHECK(error == "expected 'file:PATH' with the path of a 48 kHz WAV file");
    CHECK_FALSE(parse_audio_source_uri("alsa:", error));
    CHECK(error.rfind("expected 'alsa:DEVICE'", 0) == 0);
}

TEST_CASE("config: a bad audio.source is an error at its position, saying what was expected") {
    const auto result = parse_config("audio:\n  source: tone:5\n", "cam.yaml", {});
    REQUIRE(result.errors.size() == 1);
    CHECK(result.errors[0] == "cam.yaml:2:11: 'audio.source' is 'tone:5'; expected 'tone:FREQ' with a frequency "
                              "from 20 to 20000 Hz, such as tone:440");
    const auto set = parse_config("", "cam.yaml", {"audio.source=usb"});
    REQUIRE(set.errors.size() == 1);
    CHECK(set.errors[0].find("'audio.source' is 'usb'; expected 'none', 'tone:FREQ'") != std::string::npos);
    CHECK(parse_config("", "cam.yaml", {"audio.channels=3"}).errors.size() == 1);
    CHECK(parse_config("", "cam.yaml", {"audio.bitrate=5000"}).errors.size() == 1);
    const auto good = parse_config("audio:\n  source: alsa:default\n  channels: 2\n  bitrate: 24000\n", "cam.yaml", {});
    REQUIRE(good.ok());
    CHECK(good.settings.audio.source == "alsa:default");
    CHECK(good.settings.audio.channels == 2);
    CHECK(good.settings.audio.bitrate == 24000);
}
