// Wiring of decoder and player per connection, and the audio figures.
#include "audio/audio_session.hpp"

#include <cstdio>

namespace camstream::viewer {

std::string_view to_string(AudioStatus status) {
    switch (status) {
        case AudioStatus::muted: return "muted";
        case AudioStatus::none: return "none";
        case AudioStatus::output_failed: return "output_failed";
        case AudioStatus::buffering: return "buffering";
        case AudioStatus::playing: return "playing";
    }
    return "none";
}

AudioSession::AudioSession(AudioSettings settings, PcmTap tap)
    : settings_(std::move(settings)), tap_(std::move(tap)) {}

void AudioSession::on_accepted(const wire::StreamInfo& info) {
    std::lock_guard lock(mutex_);
    stream_has_audio_ = !settings_.muted && info.audio_codec == wire::AudioCodec::opus;
    decoder_.reset();
    if (!stream_has_audio_) return;
    const int channels = info.audio_channels;
    decoder_ = std::make_unique<AudioDecoder>(channels);
    if (player_ && player_->channels() != channels) player_.reset();
    if (player_ || output_failed_) return;
    AudioPlayerSettings player_settings;
    player_settings.device = settings_.device;
    player_settings.channels = channels;
    auto opened = AudioPlayer::open(player_settings, tap_);
    if (!opened.player) {
        std::fprintf(stderr, "camview: no sound: %s\n", opened.error.c_str());
        output_failed_ = true;
        return;
    }
    player_ = std::move(opened.player);
}

void AudioSession::on_audio(const wire::MessageHeader& header, std::span<const std::uint8_t> opus) {
    std::lock_guard lock(mutex_);
    if (!decoder_) return;  // muted, or a server that sends audio nobody asked for
    ++packets_;
    gaps_.record(header.sequence);
    const auto errors_before = decoder_->decode_errors();
    auto chunks = decoder_->decode(header.sequence, header.timestamp_us, opus);
    decode_errors_ += decoder_->decode_errors() - errors_before;
    if (!player_) return;
    for (auto& chunk : chunks) player_->play(std::move(chunk));
}

std::optional<std::int64_t> AudioSession::clock_us(SteadyClock::time_point now) {
    std::lock_guard lock(mutex_);
    if (!player_) return std::nullopt;
    return player_->clock_us(now);
}

AudioStatus AudioSession::status(SteadyClock::time_point now) {
    std::lock_guard lock(mutex_);
    if (settings_.muted) return AudioStatus::muted;
    if (!stream_has_audio_) return AudioStatus::none;
    if (output_failed_ || !player_ || player_->failed()) return AudioStatus::output_failed;
    return player_->clock_us(now) ? AudioStatus::playing : AudioStatus::buffering;
}

AudioCounters AudioSession::counters() {
    std::lock_guard lock(mutex_);
    AudioCounters counters{packets_, gaps_.missing(), decode_errors_, 0, 0};
    if (player_) {
        const auto player = player_->counters();
        counters.underruns = player.underruns;
        counters.dropped = player.dropped_chunks;
    }
    return counters;
}

}  // namespace camstream::viewer
