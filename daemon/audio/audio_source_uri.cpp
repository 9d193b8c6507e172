// Parses audio.source (see audio_source_uri.hpp): none, tone:FREQ, file:PATH, alsa:DEVICE.
#include "audio/audio_source_uri.hpp"

#include "config/value_grammar.hpp"

#include <charconv>
#include <cmath>

namespace camstream {
namespace {

constexpr std::string_view kForms = "expected 'none', 'tone:FREQ', 'file:PATH' or 'alsa:DEVICE'";

std::optional<AudioSourceUri> parse_tone(std::string_view rest, std::string& error) {
    double hz = 0;
    const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), hz);
    if (ec != std::errc{} || end != rest.data() + rest.size() || !std::isfinite(hz) || hz < kToneMinHz ||
        hz > kToneMaxHz) {
        error = "expected 'tone:FREQ' with a frequency from 20 to 20000 Hz, such as tone:440";
        return std::nullopt;
    }
    return AudioSourceUri{AudioSourceUri::Kind::tone, hz, {}};
}

}  // namespace

std::optional<AudioSourceUri> parse_audio_source_uri(std::string_view text, std::string& error) {
    if (find_control_character(text)) {
        error = "expected no control characters in an audio source";
        return std::nullopt;
    }
    if (text == "none") return AudioSourceUri{};
    const auto colon = text.find(':');
    if (colon == std::string_view::npos) {
        error = std::string(kForms);
        return std::nullopt;
    }
    const auto scheme = text.substr(0, colon);
    const auto rest = text.substr(colon + 1);
    if (scheme == "tone") return parse_tone(rest, error);
    if (scheme == "file" || scheme == "alsa") {
        if (rest.empty()) {
            error = scheme == "file" ? "expected 'file:PATH' with the path of a 48 kHz WAV file"
                                     : "expected 'alsa:DEVICE' with an ALSA device such as alsa:default or "
                                       "alsa:plughw:CARD=Mic";
            return std::nullopt;
        }
        const auto kind = scheme == "file" ? AudioSourceUri::Kind::file : AudioSourceUri::Kind::alsa;
        return AudioSourceUri{kind, 0, std::string(rest)};
    }
    error = std::string(kForms);
    return std::nullopt;
}

}  // namespace camstream
