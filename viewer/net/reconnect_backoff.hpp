// ReconnectBackoff: how long the viewer waits before connecting again. The policy
// alone, without sockets or clocks, so it can be tested on its own.
#pragma once

#include <chrono>

namespace camstream::viewer {

struct ReconnectBackoffSettings {
    std::chrono::milliseconds first{500};
    std::chrono::milliseconds max{10000};
    // A session counts as healthy once it has streamed valid messages for this
    // long after being accepted; only a healthy session starts the waits over.
    std::chrono::milliseconds healthy_after{10000};
};

// Exponential backoff: first, 2×first, 4×first, ... up to max. Being accepted is
// not enough to start over: a server that accepts and then sends garbage, resets
// or says goodbye at once would otherwise be hammered every `first`. Only a
// session that streamed fine for healthy_after does.
class ReconnectBackoff {
public:
    explicit ReconnectBackoff(ReconnectBackoffSettings settings)
        : settings_(settings), next_(settings.first) {}

    // A session (or a connection attempt) has ended; `streamed_for` is how long
    // it delivered valid messages after being accepted (zero when it never was).
    // Returns how long to wait before the next attempt.
    std::chrono::milliseconds after_session(std::chrono::milliseconds streamed_for);

private:
    ReconnectBackoffSettings settings_;
    std::chrono::milliseconds next_;
};

}  // namespace camstream::viewer
