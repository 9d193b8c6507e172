// WavFileSource (audio.source file:PATH): a sound file read with libsndfile,
// looped forever and paced to real time like a microphone, so a recorded
// scene can be replayed with its sound.
#pragma once

#include "audio/audio_source.hpp"
#include "audio/packet_schedule.hpp"

#include <sndfile.h>

#include <memory>
#include <vector>

namespace camstream {

class WavFileSource : public AudioSource {
public:
    WavFileSource(std::string path, int channels, const StopSignal& stop);

    // Mono or stereo at 48 kHz; anything else is refused with the fix.
    bool open(std::string& error) override;
    bool read(std::span<std::int16_t> interleaved, std::int64_t& first_sample_us) override;
    std::string describe() const override { return "file:" + path_; }
    std::string last_error() const override { return error_; }

private:
    struct CloseFile {
        void operator()(SNDFILE* file) const { sf_close(file); }
    };

    bool read_looping(std::size_t frames);
    void convert_channels(std::span<std::int16_t> interleaved) const;

    std::string path_;
    int channels_;
    PacketSchedule schedule_;
    std::unique_ptr<SNDFILE, CloseFile> file_;
    int file_channels_ = 0;
    std::vector<std::int16_t> file_samples_;  // one packet, in the file's channel layout
    std::string error_;
};

}  // namespace camstream
