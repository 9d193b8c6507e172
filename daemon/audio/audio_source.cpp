// make_audio_source: from audio.source to the source it names (see audio_source.hpp).
#include "audio/audio_source.hpp"

#include "audio/alsa_source.hpp"
#include "audio/audio_source_uri.hpp"
#include "audio/tone_source.hpp"
#include "audio/wav_file_source.hpp"

#include <stdexcept>

namespace camstream {

std::unique_ptr<AudioSource> make_audio_source(const AudioSettings& settings, const StopSignal& stop) {
    std::string error;
    const auto uri = parse_audio_source_uri(settings.source, error);
    if (!uri) throw std::invalid_argument("audio.source '" + settings.source + "': " + error);
    switch (uri->kind) {
        case AudioSourceUri::Kind::none: return nullptr;
        case AudioSourceUri::Kind::tone: return std::make_unique<ToneSource>(uri->tone_hz, settings.channels, stop);
        case AudioSourceUri::Kind::file: return std::make_unique<WavFileSource>(uri->path, settings.channels, stop);
        case AudioSourceUri::Kind::alsa: return std::make_unique<AlsaSource>(uri->path, settings.channels, stop);
    }
    return nullptr;
}

}  // namespace camstream
