// AudioLane: see audio_lane.hpp.
#include "outbox/audio_lane.hpp"

#include <iterator>

namespace camstream {

std::size_t AudioLane::push(FramedPtr packet) {
    std::size_t dropped = 0;
    while (max_packets_ > 0 && packets_.size() >= max_packets_) {
        packets_.pop_front();
        ++dropped;
    }
    packets_.push_back(std::move(packet));
    return dropped;
}

std::vector<FramedPtr> AudioLane::take_all() {
    std::vector<FramedPtr> all(std::make_move_iterator(packets_.begin()), std::make_move_iterator(packets_.end()));
    packets_.clear();
    return all;
}

}  // namespace camstream
