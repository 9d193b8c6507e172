// AudioHandoff: see audio_handoff.hpp.
#include "audio/audio_handoff.hpp"

#include <spdlog/spdlog.h>

#include <cstdlib>

namespace camstream {

AudioHandoff::AudioHandoff(uv_loop_t* loop, Deliver deliver, std::size_t max_packets)
    : deliver_(std::move(deliver)),
      max_packets_(max_packets),
      async_(loop, uv_async_init, [](uv_async_t* handle) { static_cast<AudioHandoff*>(handle->data)->take(); }) {
    async_.get()->data = this;
}

void AudioHandoff::post_packet(std::shared_ptr<Frame> packet, const AudioStatus& status) {
    {
        std::lock_guard lock(mutex_);
        if (pending_.packets.size() == max_packets_) {
            pending_.packets.pop_front();
            ++packets_dropped_;
        }
        pending_.packets.push_back(std::move(packet));
        set_status(status);
    }
    wake();
}

void AudioHandoff::post_status(const AudioStatus& status) {
    {
        std::lock_guard lock(mutex_);
        set_status(status);
    }
    wake();
}

void AudioHandoff::set_status(const AudioStatus& status) {
    pending_.status = status;
    pending_.status->packets_dropped = packets_dropped_;
}

void AudioHandoff::post_stopped() {
    {
        std::lock_guard lock(mutex_);
        pending_.stopped = true;
    }
    wake();
}

void AudioHandoff::wake() {
    if (closed_.load(std::memory_order_acquire)) {
        spdlog::critical("audio hand-off used after it was closed");
        std::abort();
    }
    uv_async_send(async_.get());
}

void AudioHandoff::take() {
    Mail mail;
    {
        std::lock_guard lock(mutex_);
        std::swap(mail, pending_);
    }
    deliver_(mail);
}

void AudioHandoff::close(std::function<void()> on_closed) {
    closed_.store(true, std::memory_order_release);
    async_.close(std::move(on_closed));
}

}  // namespace camstream
