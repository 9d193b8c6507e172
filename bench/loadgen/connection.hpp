// Connection: one simulated viewer's socket, from non-blocking connect to close,
// and what that viewer saw. Its role decides how it reads: a fast viewer reads
// everything at once, a stalled one stops after the handshake (or trickles), a
// churn connection leaves as soon as it is accepted, and an idle one never
// sends its hello and waits for the server to give up on it.
#pragma once

#include "loopback_address.hpp"
#include "viewer_protocol.hpp"

#include <sys/epoll.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace camstream::bench {

enum class Role { fast, stalled, churn, idle };

// Shared by every connection of a run: whether the measured window is open,
// and the latency samples fast viewers collect inside it.
struct WindowRecorder {
    bool open = false;
    std::vector<std::int64_t> latency_us;
    std::vector<ProtocolKind> latency_protocol;  // beside latency_us: whose sample it is
    std::size_t latency_capacity = 4'000'000;  // bounds memory on long runs
    std::uint64_t frames_all_viewers = 0;      // in the window, every role
    std::uint64_t audio_packets_all_viewers = 0;  // in the window, every role
};

class Connection final : public ViewerEvents {
public:
    enum class Phase { connecting, sending_request, receiving, finished };

    Connection(Role role, std::unique_ptr<ViewerProtocol> protocol, WindowRecorder& recorder, double now_s);
    ~Connection() override;
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // Starts a non-blocking connect, from `local` when given; a stalled viewer
    // gets a tiny receive buffer first, so the server's writes back up after a
    // few kilobytes, not megabytes.
    bool open(const LoopbackAddress& target, const std::optional<LoopbackAddress>& local, std::string& error);

    // The epoll events this connection wants now (0: none, only errors).
    std::uint32_t wanted_events() const;
    // Dispatches epoll events; `buffer` is the run's shared read buffer.
    void on_events(std::uint32_t events, std::span<std::uint8_t> buffer, double now_s);
    // A stalled trickle viewer's few bytes, read on the run's timer.
    void trickle(std::size_t bytes, std::span<std::uint8_t> buffer, double now_s);
    // The server's end of this socket was seen closed (see server_socket_states.hpp).
    void note_server_closed(double now_s);
    // Ends the connection from our side.
    void close_now(const char* why, double now_s);

    // The measured window opens and closes: remember where the sequence stood.
    void window_opened() {
        window_first_sequence_ = last_sequence_;
        audio_window_first_sequence_ = last_audio_sequence_;
    }
    void window_closed() {
        window_last_sequence_ = last_sequence_;
        audio_window_last_sequence_ = last_audio_sequence_;
    }

    int fd() const { return fd_; }
    Role role() const { return role_; }
    ProtocolKind protocol_kind() const { return protocol_->kind(); }
    Phase phase() const { return phase_; }
    bool accepted() const { return accepted_; }
    bool rejected() const { return rejected_; }
    bool handshaking() const { return phase_ != Phase::finished && !accepted_; }
    double opened_at() const { return opened_at_; }
    std::optional<double> connected_at() const { return connected_at_; }
    // When the server's answer to the hello arrived (ServerHello, or the HTTP
    // response head), accepting or refusing; hello latency is this minus opened_at().
    std::optional<double> answered_at() const { return answered_at_; }
    std::uint16_t local_port() const { return local_port_; }
    double nominal_fps() const { return nominal_fps_; }
    std::uint64_t frames_in_window() const { return frames_in_window_; }
    std::uint64_t gaps_in_window() const { return gaps_in_window_; }
    std::uint64_t sequence_span() const {
        return window_last_sequence_ > window_first_sequence_ ? window_last_sequence_ - window_first_sequence_ : 0;
    }
    // Audio, in the window: packets received, packets missing between them
    // (sequence gaps), and how many the server captured meanwhile.
    std::uint64_t audio_packets_in_window() const { return audio_packets_in_window_; }
    std::uint64_t audio_gaps_in_window() const { return audio_gaps_in_window_; }
    std::uint64_t audio_sequence_span() const {
        return audio_window_last_sequence_ > audio_window_first_sequence_
                   ? audio_window_last_sequence_ - audio_window_first_sequence_
                   : 0;
    }
    std::optional<double> stalled_since() const { return stalled_since_; }
    std::optional<double> server_closed_at() const { return server_closed_at_; }
    std::optional<double> finished_at() const { return finished_at_; }
    const std::string& ending() const { return ending_; }

    // ViewerEvents
    void on_accepted(double nominal_fps) override;
    void on_rejected(std::string_view reason) override;
    void on_frame(std::uint64_t sequence, std::uint64_t capture_timestamp_us) override;
    void on_audio_packet(std::uint64_t sequence) override;
    void on_goodbye(std::string_view reason) override;

private:
    void finish_connect(double now_s);
    void send_request(double now_s);
    void read_into(std::span<std::uint8_t> buffer, std::size_t max_total, double now_s);
    void finish(std::string why, double now_s);

    Role role_;
    std::unique_ptr<ViewerProtocol> protocol_;
    WindowRecorder& recorder_;
    int fd_ = -1;
    Phase phase_ = Phase::connecting;
    std::vector<std::uint8_t> request_;
    std::size_t request_sent_ = 0;
    std::uint16_t local_port_ = 0;
    double opened_at_;
    std::int64_t arrival_us_ = 0;  // wall clock of the chunk being fed
    double now_s_ = 0;             // run clock of the chunk being fed

    bool accepted_ = false;
    bool rejected_ = false;
    double nominal_fps_ = 0;
    std::uint64_t last_sequence_ = 0;
    std::uint64_t window_first_sequence_ = 0;
    std::uint64_t window_last_sequence_ = 0;
    std::uint64_t frames_in_window_ = 0;
    std::uint64_t gaps_in_window_ = 0;
    std::uint64_t last_audio_sequence_ = 0;
    std::uint64_t audio_window_first_sequence_ = 0;
    std::uint64_t audio_window_last_sequence_ = 0;
    std::uint64_t audio_packets_in_window_ = 0;
    std::uint64_t audio_gaps_in_window_ = 0;
    std::optional<double> connected_at_;
    std::optional<double> answered_at_;
    std::optional<double> stalled_since_;
    std::optional<double> server_closed_at_;
    std::optional<double> finished_at_;
    std::string ending_;
};

}  // namespace camstream::bench
