// FrameHandoff: carries frames from the capture thread to the event loop.
//
// uv_async_send is the only safe way to wake a libuv loop from another thread,
// and it coalesces: several sends before the loop runs give one callback. So
// the hand-off holds only the newest frame; one the loop never saw was replaced
// by a fresher one, which is exactly what a live viewer wants.
#pragma once

#include "media/frame.hpp"
#include "net/uv_handle.hpp"

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>

namespace camstream {

class FrameHandoff {
public:
    using Deliver = std::function<void(FramePtr)>;

    FrameHandoff(uv_loop_t* loop, Deliver deliver);

    // Any thread, until close().
    void post(std::shared_ptr<Frame> frame);
    // Loop thread, once the capture thread has stopped: lets the loop end.
    void close() { async_.close(); }
    // Frames replaced before the loop took them.
    std::uint64_t superseded_total() const { return superseded_.load(std::memory_order_relaxed); }

private:
    void take();

    Deliver deliver_;
    std::mutex mutex_;
    std::shared_ptr<Frame> pending_;
    std::atomic<std::uint64_t> superseded_{0};
    UvHandle<uv_async_t> async_;
};

}  // namespace camstream
