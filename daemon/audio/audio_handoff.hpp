// AudioHandoff: the one way from the audio capture thread to the event loop,
// a LoopMailbox (net/loop_mailbox.hpp).
//
// Unlike video's newest-wins slot (capture/capture_handoff.hpp), audio packets
// are an ordered, bounded queue: a listener needs every packet in order, since
// a skipped one is a gap in the sound. Only when the loop falls more than the
// bound behind are the oldest dropped, and counted (in the status it carries).
// Status is newest-wins; the thread's last post is `stopped`.
#pragma once

#include "audio/audio_status.hpp"
#include "media/frame.hpp"
#include "net/loop_mailbox.hpp"

#include <deque>
#include <functional>
#include <memory>
#include <optional>

namespace camstream {

class AudioHandoff {
public:
    // One second of 20 ms packets: more than any sane loop stall.
    static constexpr std::size_t kDefaultMaxPackets = 50;

    struct Mail {
        std::deque<std::shared_ptr<Frame>> packets;  // oldest first
        std::optional<AudioStatus> status;
        bool stopped = false;
    };
    using Deliver = std::function<void(Mail&)>;

    // deliver runs on the loop thread.
    AudioHandoff(uv_loop_t* loop, Deliver deliver, std::size_t max_packets = kDefaultMaxPackets);

    // Capture thread. The hand-off fills in status.packets_dropped: it alone drops.
    void post_packet(std::shared_ptr<Frame> packet, const AudioStatus& status);
    void post_status(const AudioStatus& status);
    void post_stopped();
    // Loop thread, after `stopped` was delivered; on_closed runs once the handle is gone.
    void close(std::function<void()> on_closed) { mailbox_.close(std::move(on_closed)); }

private:
    void set_status(Mail& pending, const AudioStatus& status) const;

    std::size_t max_packets_;
    std::uint64_t packets_dropped_ = 0;  // under the mailbox's lock
    LoopMailbox<Mail> mailbox_;
};

}  // namespace camstream
