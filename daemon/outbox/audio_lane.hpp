// AudioLane: the audio packets waiting for one viewer, kept free of sockets so
// it is unit-tested alone. Unlike frames, a newer packet never makes an older
// one useless (both are sound), so packets are never replaced or reordered:
// they wait in capture order, and only a viewer too slow for even this small
// queue loses whole packets, the oldest first, counted.
#pragma once

#include "media/framed_message.hpp"

#include <cstddef>
#include <deque>
#include <vector>

namespace camstream {

class AudioLane {
public:
    // Half a second of 20 ms packets: enough to ride out one large frame on a
    // slow link, little enough that a lagging viewer hears the present soon.
    static constexpr std::size_t kDefaultPackets = 25;

    explicit AudioLane(std::size_t max_packets = kDefaultPackets) : max_packets_(max_packets) {}

    // Returns how many of the oldest packets were dropped to make room (0 or 1).
    std::size_t push(FramedPtr packet);
    // Everything waiting, oldest first; the lane is empty afterwards.
    std::vector<FramedPtr> take_all();
    bool empty() const { return packets_.empty(); }
    std::size_t size() const { return packets_.size(); }

private:
    std::size_t max_packets_;
    std::deque<FramedPtr> packets_;
};

}  // namespace camstream
