// FrameHandoff: see frame_handoff.hpp.
#include "capture/capture_handoff.hpp"

#include "media/clock.hpp"

namespace camstream {

FrameHandoff::FrameHandoff(uv_loop_t* loop, Deliver deliver)
    : deliver_(std::move(deliver)),
      async_(loop, uv_async_init, [](uv_async_t* handle) { static_cast<FrameHandoff*>(handle->data)->take(); }) {
    async_.get()->data = this;
}

void FrameHandoff::post(std::shared_ptr<Frame> frame) {
    {
        std::lock_guard lock(mutex_);
        if (pending_) superseded_.fetch_add(1, std::memory_order_relaxed);
        pending_ = std::move(frame);
    }
    uv_async_send(async_.get());
}

void FrameHandoff::take() {
    std::shared_ptr<Frame> frame;
    {
        std::lock_guard lock(mutex_);
        frame = std::move(pending_);
    }
    if (!frame) return;
    frame->published_us = wall_clock_us();
    // From here on the frame is shared and never changes.
    deliver_(FramePtr(std::move(frame)));
}

}  // namespace camstream
