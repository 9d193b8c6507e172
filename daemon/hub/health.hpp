// Health: the daemon's one model of how it is doing, kept on the loop thread.
//
// The capture side is pushed in by the capture hand-off (state, totals, the
// source it opened, each frame's stage times); the viewer side is counted by
// connections as things happen, once each, per protocol. Everything that
// reports reads it: the stats log line, sd_notify's STATUS and WATCHDOG,
// heartbeats, and later /metrics and /healthz.
#pragma once

#include "audio/audio_status.hpp"
#include "capture/capture_status.hpp"
#include "hub/admission.hpp"
#include "hub/latency_histogram.hpp"
#include "media/frame.hpp"
#include "outbox/backpressure.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace camstream {

// Counters of one viewer protocol; all only ever grow, except viewers.
struct ProtocolCounters {
    std::string name;
    int viewers = 0;
    int listeners = 0;  // viewers that get audio
    int open_connections = 0;
    std::uint64_t connections = 0;
    std::uint64_t frames_sent = 0;
    std::uint64_t bytes_sent = 0;
    std::uint64_t stalls = 0;
    std::uint64_t audio_packets_sent = 0;
    std::uint64_t audio_packets_dropped = 0;
    std::array<std::uint64_t, kDropCauses> frames_dropped{};
    std::array<std::uint64_t, kRejectionKinds> rejections{};
};

// Per-stage latency, µs: capture -> encoded -> handed to the loop -> last byte to the kernel.
struct StageLatencies {
    LatencyHistogram encode;     // captured -> encoded
    LatencyHistogram hand_over;  // encoded -> taken by the loop
    LatencyHistogram send;       // taken by the loop -> a viewer's last byte in the kernel (per viewer)
};

class Health {
public:
    // --- capture, pushed by the hand-off ---
    // A capture thread (re)started at now_us with this nominal rate: the clock
    // of its start-up grace.
    void capture_started(std::int64_t now_us, double nominal_fps);
    void source_opened(const SourceInfo& source) {
        source_ = source;
        ++source_opens_;
    }
    void source_open_failed() { ++source_open_failures_; }
    void capture_reported(const CaptureStatus& status) { capture_ = status; }
    void frame_handed_over(const Frame& frame, std::uint64_t frames_replaced);

    // --- viewers, counted by connections ---
    int add_protocol(std::string name);
    void connection_opened(int protocol) {
        ++protocols_[index(protocol)].connections;
        ++protocols_[index(protocol)].open_connections;
    }
    void connection_closed(int protocol) { --protocols_[index(protocol)].open_connections; }
    void count_rejection(int protocol, Rejection why) {
        ++protocols_[index(protocol)].rejections[static_cast<std::size_t>(why)];
    }
    void count_stall(int protocol) { ++protocols_[index(protocol)].stalls; }
    void count_dropped(int protocol, DropCause cause, std::size_t frames) {
        protocols_[index(protocol)].frames_dropped[static_cast<std::size_t>(cause)] += frames;
    }
    void count_sent(int protocol, const Frame& frame, std::size_t bytes, std::int64_t written_us);
    void viewer_joined(int protocol) { ++protocols_[index(protocol)].viewers; }
    void viewer_left(int protocol) { --protocols_[index(protocol)].viewers; }
    void listener_joined(int protocol) { ++protocols_[index(protocol)].listeners; }
    void listener_left(int protocol) { --protocols_[index(protocol)].listeners; }
    void count_audio_sent(int protocol, std::size_t packets, std::size_t bytes) {
        protocols_[index(protocol)].audio_packets_sent += packets;
        protocols_[index(protocol)].bytes_sent += bytes;
    }
    void count_audio_dropped(int protocol, std::size_t packets) {
        protocols_[index(protocol)].audio_packets_dropped += packets;
    }

    // --- audio, pushed by its hand-off; AudioState::none when there is no audio ---
    void audio_enabled(bool enabled) { audio_enabled_ = enabled; }
    void audio_reported(const AudioStatus& status) { audio_ = status; }
    const AudioStatus& audio() const { return audio_; }
    wire::AudioState audio_state() const;

    // --- what reports read ---
    // The source's state as viewers should hear it: live only while frames
    // arrive; a source that stopped delivering is lost even while its read hangs.
    wire::SourceState source_state(std::int64_t now_us) const;
    // Milliseconds since the last frame was grabbed; nullopt before the first.
    std::optional<std::uint32_t> last_frame_age_ms(std::int64_t now_us) const;
    // The capture path delivers frames (or is still within its start-up grace):
    // what the watchdog is fed on.
    bool capture_alive(std::int64_t now_us) const;
    // The sequence number of the last frame captured, 0 if none.
    std::uint64_t last_sequence() const { return capture_.last_sequence; }
    const SourceInfo& source() const { return source_; }
    // Every successful open of a source (the first, and each reopen after a
    // loss or a reload), and every failed attempt.
    std::uint64_t source_opens() const { return source_opens_; }
    std::uint64_t source_open_failures() const { return source_open_failures_; }
    const CaptureStatus& capture() const { return capture_; }
    // Over every capture thread the daemon ran (a reopened source starts its own count at 0).
    std::uint64_t frames_captured() const { return captured_before_ + capture_.frames_captured; }
    std::uint64_t frames_encoded() const { return encoded_before_ + capture_.frames_encoded; }
    std::uint64_t frames_passed_through() const { return passed_through_before_ + capture_.frames_passed_through; }
    std::uint64_t frames_broken() const { return broken_before_ + capture_.frames_broken; }

    int viewers() const;
    int listeners() const;
    std::uint64_t audio_packets_sent() const;
    std::uint64_t audio_packets_dropped() const;
    int open_connections() const;
    std::uint64_t connections() const;
    std::uint64_t frames_sent() const;
    std::uint64_t frames_dropped() const;
    std::uint64_t rejections() const;
    std::uint64_t stalls() const;
    std::uint64_t frames_handed_over() const { return frames_handed_over_; }
    std::uint64_t frames_replaced() const { return frames_replaced_; }
    const std::vector<ProtocolCounters>& protocols() const { return protocols_; }
    const StageLatencies& latencies() const { return latencies_; }

    // The one-line summary systemctl status shows.
    std::string status_line(std::int64_t now_us) const;

private:
    std::size_t index(int protocol) const { return static_cast<std::size_t>(protocol); }
    std::int64_t liveness_bound_us() const;

    SourceInfo source_;
    std::uint64_t source_opens_ = 0;
    std::uint64_t source_open_failures_ = 0;
    CaptureStatus capture_;
    std::int64_t capture_started_us_ = 0;
    std::uint64_t captured_before_ = 0;  // by capture threads before this one
    std::uint64_t encoded_before_ = 0;
    std::uint64_t passed_through_before_ = 0;
    std::uint64_t broken_before_ = 0;
    double nominal_fps_ = 30;
    std::uint64_t frames_handed_over_ = 0;
    std::uint64_t frames_replaced_ = 0;
    std::vector<ProtocolCounters> protocols_;
    StageLatencies latencies_;
    bool audio_enabled_ = false;
    AudioStatus audio_;
};

}  // namespace camstream
