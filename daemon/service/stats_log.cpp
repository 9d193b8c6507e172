// StatsLog: see stats_log.hpp.
#include "service/stats_log.hpp"

#include "media/clock.hpp"

#include <spdlog/spdlog.h>

namespace camstream {
namespace {

double ms(double microseconds) { return microseconds / 1000.0; }

}  // namespace

StatsLog::StatsLog(uv_loop_t* loop, const Health& health, Duration interval)
    : health_(health), interval_(interval), timer_(loop, uv_timer_init) {
    timer_.get()->data = this;
    set_interval(interval);
}

void StatsLog::set_interval(Duration interval) {
    interval_ = interval;
    const auto period = static_cast<std::uint64_t>(interval.count());
    start_timer(timer_, [](uv_timer_t* timer) { static_cast<StatsLog*>(timer->data)->report(); }, period, period);
}

std::string StatsLog::viewers_by_protocol() const {
    std::string text;
    for (const auto& protocol : health_.protocols()) {
        if (!text.empty()) text += ',';
        text += protocol.name + ":" + std::to_string(protocol.viewers);
    }
    return text;
}

std::string StatsLog::audio_text(double seconds) const {
    if (health_.audio_state() == wire::AudioState::none) return {};
    return fmt::format(" audio={} listeners={} audio_out={:.1f} audio_drops={}", wire::to_string(health_.audio_state()),
                       health_.listeners(), static_cast<double>(health_.audio_packets_sent() - audio_sent_) / seconds,
                       health_.audio_packets_dropped() - audio_dropped_);
}

void StatsLog::report() {
    const double seconds = std::chrono::duration<double>(interval_).count();
    const auto& latencies = health_.latencies();
    const auto send = latencies.send.since(latencies_.send);
    const auto encode = latencies.encode.since(latencies_.encode);
    const auto hand_over = latencies.hand_over.since(latencies_.hand_over);
    spdlog::info(
        "stats: viewers={} connections={} source={} fps_captured={:.1f} fps_encoded={:.1f} "
        "fps_out={:.1f} drops={} stalls={} rejections={} send_latency_ms p50={:.2f} p99={:.2f} "
        "encode_ms p50={:.2f} p99={:.2f} handover_ms p50={:.2f} p99={:.2f} viewers_by_protocol={}{}",
        health_.viewers(), health_.open_connections(), wire::to_string(health_.source_state(wall_clock_us())),
        static_cast<double>(health_.frames_captured() - frames_captured_) / seconds,
        static_cast<double>(health_.frames_encoded() - frames_encoded_) / seconds,
        static_cast<double>(health_.frames_sent() - frames_sent_) / seconds, health_.frames_dropped() - frames_dropped_,
        health_.stalls() - stalls_, health_.rejections() - rejections_, ms(send.percentile(0.5)),
        ms(send.percentile(0.99)), ms(encode.percentile(0.5)), ms(encode.percentile(0.99)),
        ms(hand_over.percentile(0.5)), ms(hand_over.percentile(0.99)), viewers_by_protocol(), audio_text(seconds));
    frames_captured_ = health_.frames_captured();
    frames_encoded_ = health_.frames_encoded();
    frames_sent_ = health_.frames_sent();
    frames_dropped_ = health_.frames_dropped();
    stalls_ = health_.stalls();
    rejections_ = health_.rejections();
    audio_sent_ = health_.audio_packets_sent();
    audio_dropped_ = health_.audio_packets_dropped();
    latencies_ = latencies;
}

}  // namespace camstream
