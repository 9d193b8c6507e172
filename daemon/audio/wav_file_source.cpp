// WavFileSource: see wav_file_source.hpp.
#include "audio/wav_file_source.hpp"

#include <spdlog/fmt/fmt.h>

#include <algorithm>

namespace camstream {

WavFileSource::WavFileSource(std::string path, int channels, const StopSignal& stop)
    : path_(std::move(path)), channels_(channels), schedule_(stop) {}

bool WavFileSource::open(std::string& error) {
    file_.reset();
    SF_INFO info{};
    std::unique_ptr<SNDFILE, CloseFile> file(sf_open(path_.c_str(), SFM_READ, &info));
    if (!file) {
        error = fmt::format("{}: {}", path_, sf_strerror(nullptr));
        return false;
    }
    if (info.samplerate != kAudioSampleRate) {
        error = fmt::format("{} is sampled at {} Hz; camstreamd needs {} Hz: convert it with 'sox {} -r 48000 OUT.wav'",
                            path_, info.samplerate, kAudioSampleRate, path_);
        return false;
    }
    if (info.channels != 1 && info.channels != 2) {
        error = fmt::format("{} has {} channels; camstreamd reads mono or stereo files", path_, info.channels);
        return false;
    }
    if (info.frames == 0) {
        error = fmt::format("{} holds no samples", path_);
        return false;
    }
    file_ = std::move(file);
    file_channels_ = info.channels;
    file_samples_.resize(static_cast<std::size_t>(kFramesPerPacket * info.channels));
    schedule_.restart();
    return true;
}

bool WavFileSource::read(std::span<std::int16_t> interleaved, std::int64_t& first_sample_us) {
    if (!schedule_.wait_next(first_sample_us)) return false;
    if (!read_looping(static_cast<std::size_t>(kFramesPerPacket))) return false;
    convert_channels(interleaved);
    return true;
}

// Fills file_samples_, starting the file over at its end.
bool WavFileSource::read_looping(std::size_t frames) {
    std::size_t filled = 0;
    bool rewound = false;
    while (filled < frames) {
        auto* into = file_samples_.data() + filled * static_cast<std::size_t>(file_channels_);
        const auto got = sf_readf_short(file_.get(), into, static_cast<sf_count_t>(frames - filled));
        if (got > 0) {
            filled += static_cast<std::size_t>(got);
            rewound = false;
            continue;
        }
        // Nothing read right after a rewind: the file shrank or broke under us.
        if (rewound || sf_seek(file_.get(), 0, SEEK_SET) < 0) {
            error_ = fmt::format("{}: cannot read on: {}", path_, sf_strerror(file_.get()));
            return false;
        }
        rewound = true;
    }
    return true;
}

// Mono to stereo doubles each sample; stereo to mono averages the two.
void WavFileSource::convert_channels(std::span<std::int16_t> interleaved) const {
    const auto frames = static_cast<std::size_t>(kFramesPerPacket);
    if (file_channels_ == channels_) {
        std::copy(file_samples_.begin(), file_samples_.end(), interleaved.begin());
    } else if (channels_ == 2) {
        for (std::size_t frame = 0; frame < frames; ++frame) {
            interleaved[2 * frame] = interleaved[2 * frame + 1] = file_samples_[frame];
        }
    } else {
        for (std::size_t frame = 0; frame < frames; ++frame) {
            const int sum = file_samples_[2 * frame] + file_samples_[2 * frame + 1];
            interleaved[frame] = static_cast<std::int16_t>(sum / 2);
        }
    }
}

}  // namespace camstream
