// CaptureHandoff: see capture_handoff.hpp.
#include "capture/capture_handoff.hpp"

namespace camstream {

CaptureHandoff::CaptureHandoff(uv_loop_t* loop, Deliver deliver)
    : mailbox_(loop, "capture hand-off", std::move(deliver)) {}

void CaptureHandoff::post_frame(std::shared_ptr<Frame> frame, const CaptureStatus& status) {
    mailbox_.post([&](Mail& pending) {
        if (pending.frame) ++pending.frames_replaced;
        pending.frame = std::move(frame);
        pending.status = status;
    });
}

void CaptureHandoff::post_status(const CaptureStatus& status) {
    mailbox_.post([&](Mail& pending) { pending.status = status; });
}

void CaptureHandoff::post_event(CaptureEvent event) {
    mailbox_.post([&](Mail& pending) { pending.events.push_back(std::move(event)); });
}

}  // namespace camstream
