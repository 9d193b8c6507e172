// CaptureHandoff: the one way from a capture thread to the event loop, a
// LoopMailbox (net/loop_mailbox.hpp) whose mail is sorted by what may be lost:
// - the newest frame and the newest status: one the loop never took is
//   replaced by a fresher one (counted), which is what a live viewer wants;
// - events, in order and never dropped: the source opened or failed to open,
//   the thread ended (its last post).
#pragma once

#include "capture/capture_status.hpp"
#include "media/frame.hpp"
#include "net/loop_mailbox.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace camstream {

struct CaptureEvent {
    enum class Kind { opened, open_failed, stopped } kind;
    SourceInfo source;   // opened
    std::string reason;  // open_failed
};

class CaptureHandoff {
public:
    struct Mail {
        std::shared_ptr<Frame> frame;
        std::optional<CaptureStatus> status;
        std::vector<CaptureEvent> events;
        std::uint64_t frames_replaced = 0;  // frames replaced by a fresher one before the loop took them
    };
    using Deliver = std::function<void(Mail&)>;

    // deliver runs on the loop thread.
    CaptureHandoff(uv_loop_t* loop, Deliver deliver);

    // Capture thread.
    void post_frame(std::shared_ptr<Frame> frame, const CaptureStatus& status);
    void post_status(const CaptureStatus& status);
    void post_event(CaptureEvent event);
    // Loop thread, after the `stopped` event was delivered; on_closed runs once
    // the handle is gone (a later loop phase, never inside a delivery).
    void close(std::function<void()> on_closed) { mailbox_.close(std::move(on_closed)); }

private:
    LoopMailbox<Mail> mailbox_;
};

}  // namespace camstream
