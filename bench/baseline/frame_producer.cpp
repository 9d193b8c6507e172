// FrameProducer: see frame_producer.hpp.
#include "frame_producer.hpp"

#include "wire.hpp"

#include <chrono>
#include <cstring>

namespace camstream::bench {

FrameProducer::FrameProducer(const JpegFolder& folder, double fps, CurrentFrame& frame)
    : folder_(folder), fps_(fps), frame_(frame), thread_([this] { run(); }) {}

FrameProducer::~FrameProducer() {
    stopping_ = true;
    thread_.join();
}

void FrameProducer::run() {
    using Clock = std::chrono::steady_clock;
    const auto interval = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / fps_));
    auto next = Clock::now();
    for (std::uint64_t sequence = 1; !stopping_; ++sequence) {
        std::this_thread::sleep_until(next);
        // Like the daemon's pacer: after a long stall, restart from now rather than burst.
        const auto now = Clock::now();
        next = now - next > 2 * interval ? now + interval : next + interval;

        const auto& jpeg = folder_.jpegs[(sequence - 1) % folder_.jpegs.size()];
        wire::MessageHeader header;
        header.type = wire::MessageType::video_frame;
        header.payload_length = static_cast<std::uint32_t>(jpeg.size());
        header.sequence = sequence;
        header.timestamp_us = static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::microseconds>(
                std::chrono::system_clock::now().time_since_epoch()).count());
        const auto header_bytes = wire::encode(header);
        std::vector<std::uint8_t> message(header_bytes.size() + jpeg.size());
        std::memcpy(message.data(), header_bytes.data(), header_bytes.size());
        std::memcpy(message.data() + header_bytes.size(), jpeg.data(), jpeg.size());
        frame_.publish(std::move(message), sequence);
        produced_.fetch_add(1, std::memory_order_relaxed);
    }
}

}  // namespace camstream::bench
