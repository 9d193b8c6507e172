// Health: see health.hpp.
#include "hub/health.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>

namespace camstream {
namespace {

// Before its first frame, a capture path counts as alive this long (camera warm-up).
constexpr std::int64_t kStartupGraceUs = 10'000'000;

template <typename Field>
std::uint64_t sum(const std::vector<ProtocolCounters>& protocols, Field field) {
    return std::accumulate(protocols.begin(), protocols.end(), std::uint64_t{0},
                           [&](std::uint64_t total, const ProtocolCounters& p) { return total + field(p); });
}

}  // namespace

void Health::capture_started(std::int64_t now_us, double nominal_fps) {
    capture_started_us_ = now_us;
    nominal_fps_ = nominal_fps;
    captured_before_ += capture_.frames_captured;
    encoded_before_ += capture_.frames_encoded;
    passed_through_before_ += capture_.frames_passed_through;
    broken_before_ += capture_.frames_broken;
    // Sequence numbers carry on across threads; the rest is the new thread's to report.
    capture_ = CaptureStatus{.last_sequence = capture_.last_sequence};
}

void Health::frame_handed_over(const Frame& frame, std::uint64_t frames_replaced) {
    ++frames_handed_over_;
    frames_replaced_ += frames_replaced;
    latencies_.encode.add(frame.times.encoded_us - frame.times.captured_us);
    latencies_.hand_over.add(frame.times.handed_over_us - frame.times.encoded_us);
}

int Health::add_protocol(std::string name) {
    protocols_.push_back(ProtocolCounters{.name = std::move(name)});
    return static_cast<int>(protocols_.size() - 1);
}

void Health::count_sent(int protocol, const Frame& frame, std::size_t bytes, std::int64_t written_us) {
    auto& counters = protocols_[index(protocol)];
    ++counters.frames_sent;
    counters.bytes_sent += bytes;
    latencies_.send.add(written_us - frame.times.handed_over_us);
}

std::int64_t Health::liveness_bound_us() const {
    // Three frame intervals, but at least two seconds: slow sources are not dead.
    return std::max<std::int64_t>(2'000'000, static_cast<std::int64_t>(3e6 / std::max(nominal_fps_, 0.01)));
}

bool Health::capture_alive(std::int64_t now_us) const {
    if (capture_.last_capture_us == 0) return now_us - capture_started_us_ < kStartupGraceUs;
    return now_us - capture_.last_capture_us < liveness_bound_us();
}

wire::SourceState Health::source_state(std::int64_t now_us) const {
    if (capture_.state == wire::SourceState::live && !capture_alive(now_us)) return wire::SourceState::lost;
    return capture_.state;
}

std::optional<std::uint32_t> Health::last_frame_age_ms(std::int64_t now_us) const {
    if (capture_.last_capture_us == 0) return std::nullopt;
    const auto age_ms = std::max<std::int64_t>(0, (now_us - capture_.last_capture_us) / 1000);
    return static_cast<std::uint32_t>(std::min<std::int64_t>(age_ms, 0xFFFFFFFE));
}

int Health::viewers() const {
    return std::accumulate(protocols_.begin(), protocols_.end(), 0,
                           [](int total, const ProtocolCounters& p) { return total + p.viewers; });
}
int Health::listeners() const {
    return std::accumulate(protocols_.begin(), protocols_.end(), 0,
                           [](int total, const ProtocolCounters& p) { return total + p.listeners; });
}
std::uint64_t Health::audio_packets_sent() const {
    return sum(protocols_, [](const ProtocolCounters& p) { return p.audio_packets_sent; });
}
std::uint64_t Health::audio_packets_dropped() const {
    return sum(protocols_, [](const ProtocolCounters& p) { return p.audio_packets_dropped; });
}

wire::AudioState Health::audio_state() const {
    if (!audio_enabled_) return wire::AudioState::none;
    switch (audio_.state) {
        case wire::SourceState::starting: return wire::AudioState::starting;
        case wire::SourceState::live: return wire::AudioState::live;
        case wire::SourceState::lost: return wire::AudioState::lost;
    }
    return wire::AudioState::lost;
}

int Health::open_connections() const {
    return std::accumulate(protocols_.begin(), protocols_.end(), 0,
                           [](int total, const ProtocolCounters& p) { return total + p.open_connections; });
}
std::uint64_t Health::connections() const {
    return sum(protocols_, [](const ProtocolCounters& p) { return p.connections; });
}
std::uint64_t Health::frames_sent() const {
    return sum(protocols_, [](const ProtocolCounters& p) { return p.frames_sent; });
}
std::uint64_t Health::frames_dropped() const {
    return sum(protocols_, [](const ProtocolCounters& p) {
        return std::accumulate(p.frames_dropped.begin(), p.frames_dropped.end(), std::uint64_t{0});
    });
}
std::uint64_t Health::rejections() const {
    return sum(protocols_, [](const ProtocolCounters& p) {
        return std::accumulate(p.rejections.begin(), p.rejections.end(), std::uint64_t{0});
    });
}
std::uint64_t Health::stalls() const {
    return sum(protocols_, [](const ProtocolCounters& p) { return p.stalls; });
}

std::string Health::status_line(std::int64_t now_us) const {
    return fmt::format("{} viewers, source {} ({}), {} frames sent, {} dropped", viewers(),
                       wire::to_string(source_state(now_us)), source_.description, frames_sent(), frames_dropped());
}

}  // namespace camstream
