// CaptureThread: see capture_thread.hpp.
#include "capture/capture_thread.hpp"

#include "media/clock.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

namespace camstream {
namespace {

// While no frame is handed over (nobody watches), the loop still hears this
// often that capture is alive, for heartbeats and the watchdog.
constexpr auto kStatusInterval = std::chrono::milliseconds(250);

}  // namespace

CaptureThread::CaptureThread(uv_loop_t* loop, const SourceSettings& source, const PictureSettings& picture,
                             int jpeg_quality, std::uint64_t first_sequence, Listener listener)
    : source_(make_source(source, stop_signal_)),
      description_(source.uri),
      listener_(std::move(listener)),
      encoder_(picture),
      retry_initial_(source.retry_initial),
      retry_max_(std::max(source.retry_max, source.retry_initial)),
      handoff_(loop, [this](CaptureHandoff::Mail& mail) { deliver(mail); }),
      jpeg_quality_(jpeg_quality),
      last_sequence_(first_sequence - 1) {}

CaptureThread::~CaptureThread() {
    stop_signal_.raise();
    if (thread_.joinable()) thread_.join();
}

void CaptureThread::start() {
    thread_ = std::thread([this] { run(); });
}

void CaptureThread::stop(std::function<void()> on_stopped) {
    stopping_ = true;
    on_stopped_ = std::move(on_stopped);
    stop_signal_.raise();
}

void CaptureThread::deliver(CaptureHandoff::Mail& mail) {
    if (stopping_) {
        // A stopping thread's frames and status are stale by definition.
        for (const auto& event : mail.events) {
            if (event.kind != CaptureEvent::Kind::stopped) continue;
            // Its last post is done: the join returns as soon as run() returns.
            thread_.join();
            handoff_.close(std::move(on_stopped_));
            return;
        }
        return;
    }
    if (mail.status) listener_.status(*mail.status);
    for (const auto& event : mail.events) listener_.event(event);
    if (mail.frame) {
        mail.frame->times.handed_over_us = wall_clock_us();
        // From here on the frame is shared and never changes.
        listener_.frame(FramePtr(std::move(mail.frame)), mail.frames_replaced);
    }
}

bool CaptureThread::open_source(bool first_attempt) {
    std::string error;
    if (!source_->open(error)) {
        if (first_attempt) {
            spdlog::error("source {} failed to open: {}; retrying", description_, error);
            CaptureEvent failed{CaptureEvent::Kind::open_failed, SourceInfo{}, error};
            handoff_.post_event(std::move(failed));
        } else {
            spdlog::debug("source {} still unavailable: {}", description_, error);
        }
        return false;
    }
    const auto size = encoder_.output_size(source_->size());
    SourceInfo info{source_->describe(), size.width, size.height, source_->fps()};
    description_ = info.description;
    spdlog::info("source {} {}: {}x{} at {} fps", description_, first_attempt ? "opened" : "is back", info.width,
                 info.height, info.fps);
    handoff_.post_event({CaptureEvent::Kind::opened, std::move(info), {}});
    return true;
}

void CaptureThread::run() {
    std::uint64_t sequence = last_sequence_.load();
    status_.last_sequence = sequence;
    bool open = open_source(true);
    if (!open) status_.state = wire::SourceState::lost;
    post_status_if_due(true);
    // Doubles at each failed reopen, so a camera gone for good costs little,
    // and starts short again once the source delivers.
    Duration retry = retry_initial_;
    while (!stop_signal_.raised()) {
        if (!open) {
            if (stop_signal_.wait_for(retry)) break;
            open = open_source(false);
            retry = open ? retry_initial_ : std::min(retry * 2, retry_max_);
            continue;
        }
        if (!source_->grab()) {
            if (stop_signal_.raised()) break;
            if (status_.state != wire::SourceState::lost) {
                spdlog::error("source {} stopped delivering frames; reopening", description_);
                status_.state = wire::SourceState::lost;
                post_status_if_due(true);
            }
            open = false;
            continue;
        }
        const auto taken = source_->captured_us();
        status_.last_capture_us = taken != 0 ? taken : wall_clock_us();
        status_.frames_broken = source_->frames_broken();
        ++status_.frames_captured;
        last_sequence_.store(++sequence, std::memory_order_relaxed);
        status_.last_sequence = sequence;
        const bool changed = status_.state != wire::SourceState::live;
        if (changed) {
            spdlog::info("source {} is live", description_);
            status_.state = wire::SourceState::live;
        }
        if (viewers_.load(std::memory_order_relaxed) > 0) {
            encode_and_post(sequence, status_.last_capture_us);
        } else {
            post_status_if_due(changed);
        }
    }
    handoff_.post_event({CaptureEvent::Kind::stopped, {}, {}});
}

void CaptureThread::post_status_if_due(bool now) {
    const auto at = StopSignal::Clock::now();
    if (!now && at - status_posted_ < kStatusInterval) return;
    status_posted_ = at;
    handoff_.post_status(status_);
}

void CaptureThread::encode_and_post(std::uint64_t sequence, std::int64_t captured_us) {
    // The pixels' buffer is kept: a video source decodes into it again.
    image_.jpeg.reset();
    image_.yuv = {};
    if (!source_->retrieve(image_)) {
        spdlog::warn("source {}: frame {} could not be read", description_, sequence);
        post_status_if_due(false);
        return;
    }
    FrameEncoder::Jpeg jpeg;
    if (!encoder_.make(image_, captured_us, jpeg_quality_.load(std::memory_order_relaxed), jpeg)) {
        spdlog::error("frame {} could not be made into a JPEG: {}", sequence, encoder_.last_error());
        post_status_if_due(false);
        return;
    }
    auto frame = std::make_shared<Frame>();
    frame->payload = std::move(jpeg.bytes);
    frame->width = static_cast<std::uint16_t>(jpeg.width);
    frame->height = static_cast<std::uint16_t>(jpeg.height);
    frame->sequence = sequence;
    frame->times.captured_us = captured_us;
    frame->times.encoded_us = wall_clock_us();
    ++(jpeg.encoded ? status_.frames_encoded : status_.frames_passed_through);
    status_posted_ = StopSignal::Clock::now();
    handoff_.post_frame(std::move(frame), status_);
}

}  // namespace camstream
