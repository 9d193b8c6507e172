// CurrentFrame: the one frame every client thread copies from, behind one
// global mutex: the design camstream is compared against (mjpg-streamer's
// output_http works this way: a condition variable per new frame, then each
// client thread copies the frame under the global lock into its own buffer).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <vector>

namespace camstream::bench {

class CurrentFrame {
public:
    // Producer: a new message (header + JPEG) replaces the current one.
    void publish(std::vector<std::uint8_t> message, std::uint64_t sequence);
    // Client thread: waits for a frame newer than `after`, copies it into `out`
    // under the global lock; returns its sequence, or 0 once stopping.
    std::uint64_t copy_next(std::uint64_t after, std::vector<std::uint8_t>& out);
    void stop();

private:
    std::mutex mutex_;
    std::condition_variable updated_;
    std::vector<std::uint8_t> message_;
    std::uint64_t sequence_ = 0;
    bool stopping_ = false;
};

}  // namespace camstream::bench
