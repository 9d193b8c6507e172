// Daemon: see daemon.hpp.
#include "daemon.hpp"

#include "clock.hpp"
#include "logging.hpp"
#include "version.hpp"

#include <spdlog/spdlog.h>

#include <csignal>
#include <cmath>

namespace camstream {
namespace {

// Connections still in their handshake beyond max_viewers, so a full server can
// still tell newcomers "server full" instead of silently refusing them.
constexpr std::size_t kHandshakeMargin = 64;

std::unique_ptr<UvHandle<uv_signal_t>> watch_signal(uv_loop_t* loop, int signal_number, void* owner,
                                                     uv_signal_cb callback) {
    auto handle = std::make_unique<UvHandle<uv_signal_t>>(loop, uv_signal_init);
    handle->get()->data = owner;
    uv_signal_start(handle->get(), callback, signal_number);
    return handle;
}

}  // namespace

Daemon::Daemon(Settings settings, LaunchOptions launch)
    : settings_(std::move(settings)), launch_(std::move(launch)), loop_(std::make_unique<uv_loop_t>()) {
    uv_loop_init(loop_.get());
}

Daemon::~Daemon() {
    // The capture thread posts to the hand-off: stop it before anything it touches goes.
    if (capture_) capture_->stop();
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

int Daemon::run() {
    signal(SIGPIPE, SIG_IGN);  // a viewer hanging up must be a write error, not our death

    capture_ = std::make_unique<CaptureThread>(settings_.source, settings_.encoder,
                                               [this](std::shared_ptr<Frame> frame) { handoff_->post(std::move(frame)); });
    handoff_ = std::make_unique<FrameHandoff>(loop_.get(), [this](FramePtr frame) { hub_->publish(std::move(frame)); });

    // Opening the source tells the picture size that the stream info announces.
    capture_->start();
    wire::StreamInfo info;
    info.width = static_cast<std::uint16_t>(capture_->size().width);
    info.height = static_cast<std::uint16_t>(capture_->size().height);
    info.fps_milli = static_cast<std::uint32_t>(std::lround(capture_->fps() * 1000.0));
    info.server_version = std::string("camstreamd ") + kVersion;

    Hub::Callbacks callbacks;
    callbacks.source_status = [this] { return source_status(); };
    callbacks.viewers_changed = [this](int viewers) { capture_->set_viewers(viewers); };
    hub_ = std::make_unique<Hub>(loop_.get(), settings_, info, std::move(callbacks));

    server_ = std::make_unique<TcpServer>(loop_.get(), *hub_,
                                          static_cast<std::size_t>(settings_.server.max_viewers) + kHandshakeMargin);
    std::string error;
    if (!server_->listen(settings_.server.listen, error)) {
        spdlog::critical("{}", error);
        return 1;
    }
    spdlog::info("camstreamd {} listening on {} (source {}, {}x{} at {} fps, JPEG quality {})", kVersion,
                 server_->local_address(), capture_->describe(), info.width, info.height,
                 capture_->fps(), settings_.encoder.jpeg_quality);

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

    uv_run(loop_.get(), UV_RUN_DEFAULT);
    const auto& counters = hub_->counters();
    spdlog::info("camstreamd stopped: {} frames captured, {} encoded, {} published, {} sent, {} dropped, "
                 "{} connections, {} rejected, {} stalled",
                 capture_->frames_captured(), capture_->frames_encoded(), counters.frames_published,
                 counters.frames_sent, counters.frames_dropped, counters.connections,
                 counters.rejections, counters.stalls);
    return 0;
}

void Daemon::stop(const char* why) {
    if (stopping_) return;
    stopping_ = true;
    spdlog::info("{}: stopping, {} viewers to say goodbye to", why, hub_->viewers());
    server_->stop();
    stats_timer_->close();
    capture_->stop();
    hub_->shutdown([this] {
        // Nothing else keeps the loop alive once these are closed.
        sigterm_->close();
        sigint_->close();
        sighup_->close();
        handoff_.reset();
    });
}

void Daemon::reload() {
    spdlog::info("SIGHUP: reloading {}", launch_.config_path);
    auto loaded = load_config_file(launch_.config_path, launch_.overrides);
    if (!loaded.ok()) {
        for (const auto& message : loaded.errors) spdlog::error("{}", message);
        spdlog::error("reload rejected: the configuration has errors; the running one stays");
        return;
    }
    const Settings& next = loaded.settings;
    if (next.source.uri != settings_.source.uri || next.source.width != settings_.source.width ||
        next.source.height != settings_.source.height || next.source.fps != settings_.source.fps ||
        next.server.listen != settings_.server.listen) {
        spdlog::warn("reload: source and listen changes take effect at the next restart");
    }
    capture_->set_jpeg_quality(next.encoder.jpeg_quality);
    hub_->apply(next.viewer, next.server);
    server_->set_max_connections(static_cast<std::size_t>(next.server.max_viewers) + kHandshakeMargin);
    set_log_level(next.log.level);
    settings_.encoder = next.encoder;
    settings_.viewer = next.viewer;
    settings_.server.max_viewers = next.server.max_viewers;
    settings_.server.hello_timeout = next.server.hello_timeout;
    settings_.log = next.log;
    spdlog::info("reload applied: JPEG quality {}, queue {} frames / {} bytes, stall timeout {}ms",
                 next.encoder.jpeg_quality, next.viewer.queue_frames, next.viewer.queue_bytes,
                 next.viewer.stall_timeout.count());
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
