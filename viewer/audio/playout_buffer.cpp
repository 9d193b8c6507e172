// The jitter buffer's policy: start at a level, drop the oldest above a bound.
#include "audio/playout_buffer.hpp"

#include "wire.hpp"

namespace camstream::viewer {

PlayoutBuffer::PlayoutBuffer(PlayoutBufferSettings settings, int channels)
    : settings_(settings), channels_(channels) {}

std::chrono::microseconds PlayoutBuffer::duration_of(const AudioChunk& chunk) const {
    const auto frames = static_cast<std::int64_t>(chunk.samples.size()) / channels_;
    return std::chrono::microseconds(frames * 1'000'000 / wire::kAudioSampleRate);
}

std::chrono::microseconds PlayoutBuffer::level_locked() const {
    std::chrono::microseconds total{0};
    for (const auto& chunk : chunks_) total += duration_of(chunk);
    return total;
}

void PlayoutBuffer::push(AudioChunk chunk) {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    chunks_.push_back(std::move(chunk));
    while (chunks_.size() > 1 && level_locked() > settings_.max_level) {
        chunks_.pop_front();
        ++dropped_chunks_;
    }
    if (refilling_ && level_locked() >= settings_.start_level) refilling_ = false;
    if (!refilling_) ready_.notify_all();
}

std::optional<AudioChunk> PlayoutBuffer::pop(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    const bool ready = ready_.wait_for(lock, timeout, [this] {
        return closed_ || (!refilling_ && !chunks_.empty());
    });
    if (!ready || closed_) return std::nullopt;
    AudioChunk chunk = std::move(chunks_.front());
    chunks_.pop_front();
    return chunk;
}

void PlayoutBuffer::refill() {
    std::lock_guard lock(mutex_);
    refilling_ = level_locked() < settings_.start_level;
}

void PlayoutBuffer::close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    ready_.notify_all();
}

std::chrono::microseconds PlayoutBuffer::level() {
    std::lock_guard lock(mutex_);
    return level_locked();
}

std::uint64_t PlayoutBuffer::dropped_chunks() {
    std::lock_guard lock(mutex_);
    return dropped_chunks_;
}

}  // namespace camstream::viewer
