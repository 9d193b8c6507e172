// The reconnect backoff policy (see reconnect_backoff.hpp).
#include "net/reconnect_backoff.hpp"

#include <algorithm>

namespace camstream::viewer {

std::chrono::milliseconds ReconnectBackoff::after_session(std::chrono::milliseconds streamed_for) {
    if (streamed_for >= settings_.healthy_after) next_ = settings_.first;
    const auto delay = next_;
    // Doubling from a bounded value cannot overflow; max bounds it again.
    next_ = std::min(next_ * 2, settings_.max);
    return delay;
}

}  // namespace camstream::viewer
