// AlsaSource (audio.source alsa:DEVICE): a microphone through libasound.
//
// The PCM is opened non-blocking and every wait is a snd_pcm_wait() of at most
// 100 ms between looks at the StopSignal, so a stop or reload is never held up
// by a device that has gone quiet. An overrun (the thread fell behind) is
// recovered and counted; any other error (unplugged: -ENODEV, -EIO, -EBADFD)
// fails read(), and the capture thread reopens the device with back-off.
//
// Sound is never delivered faster than it can have been captured. A device
// that hands out samples at once, without end (ALSA's `file` plugin over
// `null`, a stand-in for a microphone), would otherwise make the thread
// encode flat out; real hardware, which makes the thread wait for each
// packet, is never held back, and each wait re-aligns the schedule with the
// card's own clock.
#pragma once

#include "audio/audio_source.hpp"

#include <alsa/asoundlib.h>

#include <memory>

namespace camstream {

class AlsaSource : public AudioSource {
public:
    AlsaSource(std::string device, int channels, const StopSignal& stop);

    bool open(std::string& error) override;
    bool read(std::span<std::int16_t> interleaved, std::int64_t& first_sample_us) override;
    std::string describe() const override { return "alsa:" + device_; }
    std::string last_error() const override { return error_; }
    std::uint64_t overruns() const override { return overruns_; }

private:
    struct ClosePcm {
        void operator()(snd_pcm_t* pcm) const { snd_pcm_close(pcm); }
    };

    bool fail(const char* what, long code);

    std::string device_;
    int channels_;
    const StopSignal& stop_;
    std::unique_ptr<snd_pcm_t, ClosePcm> pcm_;
    std::uint64_t overruns_ = 0;
    std::string error_;
    // The schedule: frame 0 on the wall clock, and the frames read since.
    std::int64_t anchor_us_ = 0;
    std::uint64_t frames_read_ = 0;
};

}  // namespace camstream
