// AudioHandoff: see audio_handoff.hpp.
#include "audio/audio_handoff.hpp"

namespace camstream {

AudioHandoff::AudioHandoff(uv_loop_t* loop, Deliver deliver, std::size_t max_packets)
    : max_packets_(max_packets), mailbox_(loop, "audio hand-off", std::move(deliver)) {}

void AudioHandoff::post_packet(std::shared_ptr<Frame> packet, const AudioStatus& status) {
    mailbox_.post([&](Mail& pending) {
        if (pending.packets.size() == max_packets_) {
            pending.packets.pop_front();
            ++packets_dropped_;
        }
        pending.packets.push_back(std::move(packet));
        set_status(pending, status);
    });
}

void AudioHandoff::post_status(const AudioStatus& status) {
    mailbox_.post([&](Mail& pending) { set_status(pending, status); });
}

void AudioHandoff::set_status(Mail& pending, const AudioStatus& status) const {
    pending.status = status;
    pending.status->packets_dropped = packets_dropped_;
}

void AudioHandoff::post_stopped() {
    mailbox_.post([](Mail& pending) { pending.stopped = true; });
}

}  // namespace camstream
