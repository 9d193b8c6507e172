// Daemon: see daemon.hpp.
#include "daemon.hpp"

#include "media/clock.hpp"
#include "service/logging.hpp"
#include "version.hpp"

#include <spdlog/spdlog.h>

#include <cmath>
#include <csignal>

namespace camstream {
namespace {

// Connections still in their handshake beyond max_viewers, so a full server can
// still tell newcomers "server full" instead of silently refusing them.
constexpr std::size_t kHandshakeMargin = 64;
// Before the first frame, the capture path counts as alive this long (camera warm-up).
constexpr std::int64_t kStartupGraceUs = 10'000'000;

std::unique_ptr<UvHandle<uv_signal_t>> watch_signal(uv_loop_t* loop, int signal_number, void* owner,
                                                     uv_signal_cb callback) {
    auto handle = std::make_unique<UvHandle<uv_signal_t>>(loop, uv_signal_init);
    handle->get()->data = owner;
    uv_signal_start(handle->get(), callback, signal_number);
    return handle;
}

wire::StreamInfo stream_info(const CaptureThread& capture) {
    wire::StreamInfo info;
    info.width = static_cast<std::uint16_t>(capture.size().width);
    info.height = static_cast<std::uint16_t>(capture.size().height);
    info.fps_milli = static_cast<std::uint32_t>(std::lround(capture.fps() * 1000.0));
    info.server_version = std::string("camstreamd ") + kVersion;
    return info;
}

}  // namespace

Daemon::Daemon(Settings settings, LaunchOptions launch)
    : settings_(std::move(settings)), launch_(std::move(launch)), loop_(std::make_unique<uv_loop_t>()) {
    uv_loop_init(loop_.get());
}

Daemon::~Daemon() {
    // The capture thread posts to the hand-off: stop it before anything it touches goes.
    if (capture_) capture_->stop();
    notifier_.reset();
    server_.reset();
    hub_.reset();
    handoff_.reset();
    sigterm_.reset();
    sigint_.reset();
    sighup_.reset();
    stats_timer_.reset();
    // Let libuv run the close callbacks of everything just closed, then free the loop.
    uv_run(loop_.get(), UV_RUN_DEFAULT);
    uv_loop_close(loop_.get());
}

wire::Heartbeat Daemon::source_status() const {
    wire::Heartbeat heartbeat;
    heartbeat.state = capture_->state();
    if (const auto last = capture_->last_capture_us(); last != 0) {
        const auto age_ms = std::max<std::int64_t>(0, (wall_clock_us() - last) / 1000);
        heartbeat.last_frame_age_ms = static_cast<std::uint32_t>(std::min<std::int64_t>(age_ms, 0xFFFFFFFE));
    }
    return heartbeat;
}

bool Daemon::capture_alive() const {
    const auto now = wall_clock_us();
    const auto last = capture_->last_capture_us();
    if (last == 0) return now - capture_started_us_ < kStartupGraceUs;
    // Three frame intervals, but at least two seconds: slow sources are not dead.
    const auto bound_us = std::max<std::int64_t>(2'000'000, static_cast<std::int64_t>(3e6 / capture_->fps()));
    return now - last < bound_us;
}

std::string Daemon::status_line() const {
    return fmt::format("{} viewers, source {} ({}), {} frames sent, {} dropped", hub_->viewers(),
                       wire::to_string(capture_->state()), capture_->describe(), hub_->counters().frames_sent,
                       hub_->counters().frames_dropped);
}

void Daemon::start_capture(std::uint64_t first_sequence) {
    capture_ = std::make_unique<CaptureThread>(
        settings_.source, settings_.encoder,
        [this](std::shared_ptr<Frame> frame) { handoff_->post(std::move(frame)); }, first_sequence);
    capture_started_us_ = wall_clock_us();
    last_frames_captured_ = 0;
    last_frames_encoded_ = 0;
    // Opening the source tells the picture size that the stream info announces.
    capture_->start();
    if (hub_) {
        capture_->set_viewers(hub_->viewers());
        hub_->set_stream_info(stream_info(*capture_));
    }
}

bool Daemon::open_listener(const std::string& address) {
    auto server = std::make_unique<TcpServer>(
        loop_.get(), *hub_, static_cast<std::size_t>(settings_.server.max_viewers) + kHandshakeMargin);
    std::string error;
    const auto inherited = socket_from_systemd();
    const bool ok = inherited ? server->adopt(*inherited, error) : server->listen(address, error);
    if (!ok) {
        spdlog::critical("{}", error);
        return false;
    }
    socket_activated_ = inherited.has_value();
    server_ = std::move(server);
    return true;
}

int Daemon::run() {
    signal(SIGPIPE, SIG_IGN);  // a viewer hanging up must be a write error, not our death

    handoff_ = std::make_unique<FrameHandoff>(loop_.get(), [this](FramePtr frame) { hub_->publish(std::move(frame)); });
    start_capture(1);

    Hub::Callbacks callbacks;
    callbacks.source_status = [this] { return source_status(); };
    callbacks.viewers_changed = [this](int viewers) { capture_->set_viewers(viewers); };
    hub_ = std::make_unique<Hub>(loop_.get(), settings_, stream_info(*capture_), std::move(callbacks));

    if (!open_listener(settings_.server.listen)) return 1;
    spdlog::info("camstreamd {} listening on {}{} (source {}, {}x{} at {} fps, JPEG quality {})", kVersion,
                 server_->local_address(), socket_activated_ ? " (socket from systemd)" : "",
                 capture_->describe(), capture_->size().width, capture_->size().height, capture_->fps(),
                 settings_.encoder.jpeg_quality);

    sigterm_ = watch_signal(loop_.get(), SIGTERM, this,
                            [](uv_signal_t* h, int) { static_cast<Daemon*>(h->data)->stop("SIGTERM"); });
    sigint_ = watch_signal(loop_.get(), SIGINT, this,
                           [](uv_signal_t* h, int) { static_cast<Daemon*>(h->data)->stop("SIGINT"); });
    sighup_ = watch_signal(loop_.get(), SIGHUP, this,
                           [](uv_signal_t* h, int) { static_cast<Daemon*>(h->data)->reload(); });

    stats_timer_ = std::make_unique<UvHandle<uv_timer_t>>(loop_.get(), uv_timer_init);
    stats_timer_->get()->data = this;
    const auto interval = static_cast<std::uint64_t>(settings_.log.stats_interval.count());
    uv_timer_start(stats_timer_->get(), [](uv_timer_t* h) { static_cast<Daemon*>(h->data)->report_stats(); },
                   interval, interval);

    notifier_ = std::make_unique<ServiceNotifier>(
        loop_.get(), ServiceNotifier::Callbacks{[this] { return capture_alive(); }, [this] { return status_line(); }});
    notifier_->ready();

    uv_run(loop_.get(), UV_RUN_DEFAULT);
    const auto& counters = hub_->counters();
    spdlog::info("camstreamd stopped: {} frames captured, {} encoded, {} published, {} sent, {} dropped, "
                 "{} connections, {} rejected, {} stalled; {} frames replaced before the loop took them",
                 capture_->frames_captured(), capture_->frames_encoded(), counters.frames_published,
                 counters.frames_sent, counters.frames_dropped, counters.connections,
                 counters.rejections, counters.stalls, handoff_->superseded_total());
    return 0;
}

void Daemon::stop(const char* why) {
    if (stopping_) return;
    stopping_ = true;
    notifier_->stopping();
    spdlog::info("{}: stopping, {} viewers to say goodbye to", why, hub_->viewers());
    notifier_->close();
    server_->stop();
    stats_timer_->close();
    capture_->stop();
    hub_->shutdown([this] {
        // Nothing else keeps the loop alive once these are closed.
        sigterm_->close();
        sigint_->close();
        sighup_->close();
        handoff_->close();
    });
}

void Daemon::reload() {
    if (stopping_) return;
    notifier_->reloading();
    spdlog::info("SIGHUP: reloading {}", launch_.config_path);
    auto loaded = load_config_file(launch_.config_path, launch_.overrides);
    if (!loaded.ok()) {
        for (const auto& message : loaded.errors) spdlog::error("{}", message);
        spdlog::error("reload rejected: the configuration has errors; the running one stays");
        notifier_->ready();
        return;
    }
    Settings next = std::move(loaded.settings);
    const auto& source = settings_.source;
    const bool source_changed = next.source.uri != source.uri || next.source.width != source.width ||
                                next.source.height != source.height || next.source.fps != source.fps;
    const bool listen_changed = next.server.listen != settings_.server.listen;
    const auto previous = settings_;
    settings_ = next;

    // What only needs a new value: viewers stay connected.
    capture_->set_jpeg_quality(next.encoder.jpeg_quality);
    hub_->apply(next.viewer, next.server);
    server_->set_max_connections(static_cast<std::size_t>(next.server.max_viewers) + kHandshakeMargin);
    set_log_level(next.log.level);
    const auto interval = static_cast<std::uint64_t>(next.log.stats_interval.count());
    uv_timer_start(stats_timer_->get(), [](uv_timer_t* h) { static_cast<Daemon*>(h->data)->report_stats(); },
                   interval, interval);

    // What needs reopening: only that part; viewers stay connected either way.
    if (source_changed) {
        spdlog::info("reload: reopening the source ({} -> {})", previous.source.uri, next.source.uri);
        capture_->stop();
        start_capture(capture_->last_sequence() + 1);
    }
    if (listen_changed && socket_activated_) {
        spdlog::warn("reload: server.listen is ignored: the listening socket comes from systemd");
    } else if (listen_changed) {
        auto old_server = std::move(server_);
        if (open_listener(next.server.listen)) {
            old_server->stop();
            spdlog::info("reload: now listening on {}", server_->local_address());
        } else {
            server_ = std::move(old_server);
            settings_.server.listen = previous.server.listen;
            spdlog::error("reload: keeping {}", server_->local_address());
        }
    }
    spdlog::info("reload applied: JPEG quality {}, {} fps, queue {} frames / {} bytes, stall timeout {}ms",
                 next.encoder.jpeg_quality, next.source.fps, next.viewer.queue_frames, next.viewer.queue_bytes,
                 next.viewer.stall_timeout.count());
    notifier_->ready();
}

void Daemon::report_stats() {
    const auto& now = hub_->counters();
    const double seconds = std::chrono::duration<double>(settings_.log.stats_interval).count();
    const auto captured = capture_->frames_captured();
    const auto encoded = capture_->frames_encoded();
    auto& latency = hub_->send_latency();
    spdlog::info(
        "stats: viewers={} connections={} source={} fps_captured={:.1f} fps_encoded={:.1f} "
        "fps_out={:.1f} drops={} stalls={} rejections={} send_latency_ms p50={:.2f} p99={:.2f}",
        hub_->viewers(), hub_->connections(), wire::to_string(capture_->state()),
        static_cast<double>(captured - last_frames_captured_) / seconds,
        static_cast<double>(encoded - last_frames_encoded_) / seconds,
        static_cast<double>(now.frames_sent - last_counters_.frames_sent) / seconds,
        now.frames_dropped - last_counters_.frames_dropped, now.stalls - last_counters_.stalls,
        now.rejections - last_counters_.rejections, static_cast<double>(latency.percentile(0.5)) / 1000.0,
        static_cast<double>(latency.percentile(0.99)) / 1000.0);
    latency.clear();
    last_counters_ = now;
    last_frames_captured_ = captured;
    last_frames_encoded_ = encoded;
}

}  // namespace camstream
