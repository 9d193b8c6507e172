// CaptureThread: see capture_thread.hpp.
#include "capture/capture_thread.hpp"

#include "media/clock.hpp"
#include "outbox/zero_copy.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

namespace camstream {

CaptureThread::CaptureThread(const SourceSettings& source, const EncoderSettings& encoder,
                             Publish publish, std::uint64_t first_sequence)
    : source_(make_source(source)),
      publish_(std::move(publish)),
      size_(source.width, source.height),
      fps_(source.fps),
      description_(source.uri),
      jpeg_quality_(encoder.jpeg_quality),
      last_sequence_(first_sequence - 1) {}

CaptureThread::~CaptureThread() { stop(); }

void CaptureThread::start() {
    std::string error;
    if (source_->open(error)) {
        size_ = source_->size();
        description_ = source_->describe();
        spdlog::info("source {} opened: {}x{} at {} fps", description_, size_.width, size_.height, fps_);
    } else {
        state_ = wire::SourceState::lost;
        spdlog::error("source {} failed to open: {}; retrying", description_, error);
    }
    thread_ = std::thread([this] { run(); });
}

void CaptureThread::stop() {
    {
        std::lock_guard lock(stop_mutex_);
        stopping_ = true;
    }
    stop_signal_.notify_all();
    source_->interrupt();
    if (thread_.joinable()) thread_.join();
}

bool CaptureThread::reopen_after_failure() {
    // Back off between attempts; wake at once when asked to stop.
    std::unique_lock lock(stop_mutex_);
    if (stop_signal_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_; })) return false;
    lock.unlock();
    std::string error;
    if (!source_->open(error)) {
        spdlog::debug("source {} still unavailable: {}", description_, error);
        return false;
    }
    spdlog::info("source {} is back", description_);
    return true;
}

void CaptureThread::run() {
    std::uint64_t sequence = last_sequence_.load();
    bool open = state_ != wire::SourceState::lost;
    for (;;) {
        {
            std::lock_guard lock(stop_mutex_);
            if (stopping_) return;
        }
        if (!open) {
            open = reopen_after_failure();
            continue;
        }
        if (!source_->grab()) {
            if (state_.exchange(wire::SourceState::lost) != wire::SourceState::lost) {
                spdlog::error("source {} stopped delivering frames; reopening", description_);
            }
            open = false;
            continue;
        }
        const auto captured_us = wall_clock_us();
        last_capture_us_.store(captured_us, std::memory_order_relaxed);
        frames_captured_.fetch_add(1, std::memory_order_relaxed);
        last_sequence_.store(++sequence, std::memory_order_relaxed);
        if (state_.exchange(wire::SourceState::live) != wire::SourceState::live) {
            spdlog::info("source {} is live", description_);
        }
        if (viewers_.load(std::memory_order_relaxed) > 0) encode_and_publish(sequence, captured_us);
    }
}

void CaptureThread::encode_and_publish(std::uint64_t sequence, std::int64_t captured_us) {
    image_.jpeg.reset();
    if (!source_->retrieve(image_)) {
        spdlog::warn("source {}: frame {} could not be read", description_, sequence);
        return;
    }
    auto frame = std::make_shared<Frame>();
    if (image_.jpeg) {
        frame->jpeg = std::move(image_.jpeg);
        frame->width = static_cast<std::uint16_t>(size_.width);
        frame->height = static_cast<std::uint16_t>(size_.height);
    } else {
        std::vector<std::uint8_t> jpeg;
        if (!encoder_.encode(image_.pixels, jpeg_quality_.load(std::memory_order_relaxed), jpeg)) {
            spdlog::error("JPEG encoding of frame {} failed: {}", sequence, encoder_.last_error());
            return;
        }
        frame->jpeg = std::make_shared<const std::vector<std::uint8_t>>(std::move(jpeg));
        frame->width = static_cast<std::uint16_t>(image_.pixels.cols);
        frame->height = static_cast<std::uint16_t>(image_.pixels.rows);
    }
    frame->sequence = sequence;
    frame->captured_us = captured_us;
    frame->encoded_us = wall_clock_us();
    seal(*frame);
    frame->wire_fd = make_wire_pipe(*frame);
    frames_encoded_.fetch_add(1, std::memory_order_relaxed);
    publish_(std::move(frame));
}

}  // namespace camstream
