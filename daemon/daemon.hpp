// Daemon: wires camstreamd together on one libuv loop: the capture thread,
// the hub with its viewer protocols and their listeners, the health model and
// what reports it (stats log, systemd), signals (stop, reload). It owns the
// loop and closes everything on the way out.
#pragma once

#include "access/watch_time.hpp"
#include "audio/audio_capture_thread.hpp"
#include "capture/capture_thread.hpp"
#include "config/config.hpp"
#include "http/http_protocol.hpp"
#include "hub/admission.hpp"
#include "hub/health.hpp"
#include "hub/hub.hpp"
#include "net/listener.hpp"
#include "net/uv_handle.hpp"
#include "service/stats_log.hpp"
#include "service/systemd.hpp"
#include "tcp/v1_protocol.hpp"

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
    // The audio thread, when audio.source is not none; it runs until stop().
    void start_audio();
    void on_audio_status(const AudioStatus& status);
    // What viewers are told about the stream: the source's picture, and audio.
    wire::StreamInfo stream_info(int width, int height, double fps) const;
    void retire_capture();
    void on_capture_event(const CaptureEvent& event);
    bool open_tcp_listener(const std::string& address);
    // The HTTP listener as http.* says (none when disabled); false when it cannot listen.
    bool open_http_listener();
    void reopen_listeners(const Settings& previous);
    void stop(const char* why);
    void finish_stop();
    void reload();
    // Loads access.*'s files into admission; false (logged) when one is unusable.
    bool apply_access(const AccessSettings& access, const char* when);
    // Opens access.ledger; false (logged) when tickets need it and it cannot be opened.
    bool open_ledger();

    Settings settings_;
    LaunchOptions launch_;
    std::unique_ptr<uv_loop_t> loop_;
    Health health_;
    std::unique_ptr<WatchTime> watch_time_;
    Admission admission_;
    std::unique_ptr<Hub> hub_;
    std::unique_ptr<V1Protocol> tcp_protocol_;
    int tcp_protocol_number_ = 0;
    std::unique_ptr<HttpProtocol> http_protocol_;
    int http_protocol_number_ = 0;
    std::int64_t started_us_ = 0;
    std::unique_ptr<CaptureThread> capture_;
    // Threads of sources replaced on reload (or at stop), until they have ended.
    std::vector<std::unique_ptr<CaptureThread>> retiring_;
    std::unique_ptr<AudioCaptureThread> audio_;
    bool audio_stopped_ = true;  // no audio thread runs (any more)
    bool source_reported_ = false;  // the first open attempt has an outcome
    std::unique_ptr<Listener> listener_;
    std::unique_ptr<Listener> http_listener_;
    bool socket_activated_ = false;
    std::unique_ptr<ServiceNotifier> notifier_;
    std::unique_ptr<StatsLog> stats_log_;
    std::vector<std::unique_ptr<UvHandle<uv_signal_t>>> signals_;
    bool stopping_ = false;
    bool viewers_gone_ = false;
};

}  // namespace camstream
