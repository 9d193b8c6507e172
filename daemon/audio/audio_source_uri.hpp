// The grammar of audio.source, in one place: the configuration validates with
// it and make_audio_source() builds the source it names.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace camstream {

inline constexpr double kToneMinHz = 20;
inline constexpr double kToneMaxHz = 20000;

struct AudioSourceUri {
    enum class Kind { none, tone, file, alsa } kind = Kind::none;
    double tone_hz = 0;  // tone
    std::string path;    // file: the sound file; alsa: the device name (default, hw:1,0, plughw:CARD=Mic)
};

// On failure, error is a sentence for the user naming the forms expected.
std::optional<AudioSourceUri> parse_audio_source_uri(std::string_view text, std::string& error);

}  // namespace camstream
