// Daemon: wires camstreamd together on one libuv loop: the capture thread, the
// frame hand-off, the hub and the TCP server, plus signals (stop, reload) and
// the periodic summary. It owns the loop and closes everything on the way out.
#pragma once

#include "capture/capture_thread.hpp"
#include "config/config.hpp"
#include "capture/capture_handoff.hpp"
#include "hub/hub.hpp"
#include "service/systemd.hpp"
#include "net/listener.hpp"
#include "net/uv_handle.hpp"

#include <memory>
#include <string>
#include <vector>

namespace camstream {

struct LaunchOptions {
    std::string config_path;
    std::vector<std::string> overrides;
};

class Daemon {
public:
    Daemon(Settings settings, LaunchOptions launch);
    ~Daemon();
    Daemon(const Daemon&) = delete;
    Daemon& operator=(const Daemon&) = delete;

    // Runs until SIGTERM or SIGINT; returns the process exit code.
    int run();

private:
    void start_capture(std::uint64_t first_sequence);
    bool open_listener(const std::string& address);
    void stop(const char* why);
    void reload();
    void report_stats();
    wire::Heartbeat source_status() const;
    bool capture_alive() const;
    std::string status_line() const;

    Settings settings_;
    LaunchOptions launch_;
    std::unique_ptr<uv_loop_t> loop_;
    std::unique_ptr<CaptureThread> capture_;
    std::unique_ptr<FrameHandoff> handoff_;
    std::unique_ptr<Hub> hub_;
    std::unique_ptr<TcpServer> server_;
    std::unique_ptr<ServiceNotifier> notifier_;
    bool socket_activated_ = false;
    std::int64_t capture_started_us_ = 0;
    std::unique_ptr<UvHandle<uv_signal_t>> sigterm_;
    std::unique_ptr<UvHandle<uv_signal_t>> sigint_;
    std::unique_ptr<UvHandle<uv_signal_t>> sighup_;
    std::unique_ptr<UvHandle<uv_timer_t>> stats_timer_;
    bool stopping_ = false;

    // The previous summary's counters, to report rates.
    HubCounters last_counters_;
    std::uint64_t last_frames_captured_ = 0;
    std::uint64_t last_frames_encoded_ = 0;
};

}  // namespace camstream
