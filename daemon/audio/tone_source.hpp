// ToneSource (audio.source tone:FREQ): a microphone that needs no hardware. A
// quiet continuous sine, loud during the sync marker (media/sync_marker.hpp),
// so the beep lands on the same wall-clock instants as the test pattern's flash.
#pragma once

#include "audio/audio_source.hpp"
#include "audio/packet_schedule.hpp"

namespace camstream {

class ToneSource : public AudioSource {
public:
    ToneSource(double frequency_hz, int channels, const StopSignal& stop);

    bool open(std::string& error) override;
    bool read(std::span<std::int16_t> interleaved, std::int64_t& first_sample_us) override;
    std::string describe() const override;
    std::string last_error() const override { return {}; }

private:
    double frequency_hz_;
    int channels_;
    PacketSchedule schedule_;
    // Carried from packet to packet: the wave never jumps, so no clicks.
    double phase_ = 0;
};

}  // namespace camstream
