// CaptureHandoff: see capture_handoff.hpp.
#include "capture/capture_handoff.hpp"

#include <spdlog/spdlog.h>

#include <cstdlib>

namespace camstream {

CaptureHandoff::CaptureHandoff(uv_loop_t* loop, Deliver deliver)
    : deliver_(std::move(deliver)),
      async_(loop, uv_async_init, [](uv_async_t* handle) { static_cast<CaptureHandoff*>(handle->data)->take(); }) {
    async_.get()->data = this;
}

void CaptureHandoff::post_frame(std::shared_ptr<Frame> frame, const CaptureStatus& status) {
    {
        std::lock_guard lock(mutex_);
        if (pending_.frame) ++pending_.frames_replaced;
        pending_.frame = std::move(frame);
        pending_.status = status;
    }
    wake();
}

void CaptureHandoff::post_status(const CaptureStatus& status) {
    {
        std::lock_guard lock(mutex_);
        pending_.status = status;
    }
    wake();
}

void CaptureHandoff::post_event(CaptureEvent event) {
    {
        std::lock_guard lock(mutex_);
        pending_.events.push_back(std::move(event));
    }
    wake();
}

void CaptureHandoff::wake() {
    if (closed_.load(std::memory_order_acquire)) {
        spdlog::critical("capture hand-off used after it was closed");
        std::abort();
    }
    uv_async_send(async_.get());
}

void CaptureHandoff::take() {
    Mail mail;
    {
        std::lock_guard lock(mutex_);
        std::swap(mail, pending_);
    }
    deliver_(mail);
}

void CaptureHandoff::close(std::function<void()> on_closed) {
    closed_.store(true, std::memory_order_release);
    async_.close(std::move(on_closed));
}

}  // namespace camstream
