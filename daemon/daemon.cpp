// Daemon: see daemon.hpp.
#include "daemon.hpp"

#include "media/clock.hpp"
#include "service/logging.hpp"
#include "version.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <csignal>

namespace camstream {
namespace {

// The access policy access.* asks for; nullopt (error says why) when one of its files is unusable.
std::optional<AccessPolicy> access_policy(const AccessSettings& access, std::string& error) {
    AccessPolicy policy;
    policy.max_failures = access.max_failures;
    policy.leeway_seconds = std::chrono::duration_cast<std::chrono::seconds>(access.clock_leeway).count();
    policy.audience = access.ticket_audience;
    if (access.tokens()) {
        auto store = TokenStore::load(access.tokens_file, error);
        if (!store) return std::nullopt;
        policy.tokens = true;
        policy.store = std::make_shared<const TokenStore>(std::move(*store));
    }
    if (access.tickets()) {
        auto keys = TicketKeys::load(access.ticket_keys_file, error);
        if (!keys) return std::nullopt;
        auto revoked = RevokedTickets::load(access.revoked_file, error);
        if (!revoked) return std::nullopt;
        policy.tickets = true;
        policy.keys = std::make_shared<const TicketKeys>(std::move(*keys));
        policy.revoked = std::make_shared<const RevokedTickets>(std::move(*revoked));
    }
    return policy;
}

// A tone is for checking sync: the test pattern flashes as it beeps.
Settings with_sync_flash(Settings settings) {
    settings.source.sync_flash = settings.audio.source.rfind("tone:", 0) == 0;
    return settings;
}

bool is_loopback(const std::string& listen) {
    return listen.rfind("127.", 0) == 0 || listen.rfind("[::1]", 0) == 0 || listen.rfind("localhost", 0) == 0;
}

}  // namespace

Daemon::Daemon(Settings settings, LaunchOptions launch)
    : settings_(with_sync_flash(std::move(settings))),
      launch_(std::move(launch)),
      loop_(std::make_unique<uv_loop_t>()),
      admission_(settings_.server.max_viewers,
                 {settings_.server.max_greeting_per_address, settings_.server.max_greeting}),
      started_us_(wall_clock_us()) {
    check_uv(uv_loop_init(loop_.get()), "uv_loop_init");
}

Daemon::~Daemon() {
    // Only when run() ended early: a capture thread still running is joined here, outside the loop.
    capture_.reset();
    retiring_.clear();
    audio_.reset();
    notifier_.reset();
    listener_.reset();
    http_listener_.reset();
    stats_log_.reset();
    signals_.clear();
    hub_.reset();
    // Let libuv run the close callbacks of everything just closed, then free the loop.
    uv_run(loop_.get(), UV_RUN_DEFAULT);
    uv_loop_close(loop_.get());
}

wire::StreamInfo Daemon::stream_info(int width, int height, double fps) const {
    wire::StreamInfo info;
    info.width = static_cast<std::uint16_t>(width);
    info.height = static_cast<std::uint16_t>(height);
    info.fps_milli = static_cast<std::uint32_t>(std::lround(fps * 1000.0));
    info.server_version = std::string("camstreamd ") + kVersion;
    if (audio_) {
        info.audio_codec = wire::AudioCodec::opus;
        info.audio_channels = static_cast<std::uint8_t>(audio_->format().channels);
    }
    return info;
}

void Daemon::start_audio() {
    if (settings_.audio.source == "none") return;
    AudioCaptureThread::Listener listener;
    listener.packet = [this](FramePtr packet) { hub_->publish_audio(packet); };
    listener.status = [this](const AudioStatus& status) { on_audio_status(status); };
    audio_ = std::make_unique<AudioCaptureThread>(loop_.get(), settings_.audio, 1, std::move(listener));
    audio_stopped_ = false;
    hub_->set_audio(true);
    health_.audio_enabled(true);
    hub_->on_listeners_changed([this](int listeners) {
        if (audio_) audio_->set_listeners(listeners);
    });
    audio_->start();
    const auto format = audio_->format();
    http_protocol_->set_audio(format.channels, format.pre_skip);
    spdlog::info("audio {}: Opus, {} Hz, {}, {} kb/s, encoded while someone listens", settings_.audio.source,
                 format.sample_rate, format.channels == 1 ? "mono" : "stereo", format.bitrate / 1000);
}

void Daemon::on_audio_status(const AudioStatus& status) {
    const auto before = health_.audio_state();
    health_.audio_reported(status);
    if (health_.audio_state() != before) hub_->audio_state_changed();
}

void Daemon::start_capture(std::uint64_t first_sequence) {
    CaptureThread::Listener listener;
    listener.frame = [this](FramePtr frame, std::uint64_t frames_replaced) {
        health_.frame_handed_over(*frame, frames_replaced);
        hub_->publish(std::move(frame));
    };
    listener.status = [this](const CaptureStatus& status) { health_.capture_reported(status); };
    listener.event = [this](const CaptureEvent& event) { on_capture_event(event); };
    capture_ = std::make_unique<CaptureThread>(loop_.get(), settings_.source, settings_.picture,
                                               settings_.encoder.jpeg_quality,
                                               first_sequence, std::move(listener));
    health_.capture_started(wall_clock_us(), settings_.source.fps);
    capture_->set_viewers(hub_->demand());
    capture_->start();
}

void Daemon::retire_capture() {
    CaptureThread* retired = capture_.get();
    retiring_.push_back(std::move(capture_));
    // The loop goes on at once; the thread is freed when it says it has ended.
    retired->stop([this, retired] {
        std::erase_if(retiring_, [retired](const auto& thread) { return thread.get() == retired; });
        if (stopping_) finish_stop();
    });
}

void Daemon::on_capture_event(const CaptureEvent& event) {
    source_reported_ = true;
    if (event.kind == CaptureEvent::Kind::open_failed) health_.source_open_failed();
    if (event.kind != CaptureEvent::Kind::opened) return;
    health_.source_opened(event.source);
    tcp_protocol_->set_stream_info(stream_info(event.source.width, event.source.height, event.source.fps));
}

bool Daemon::open_tcp_listener(const std::string& address) {
    auto listener = std::make_unique<Listener>(loop_.get(), *hub_, tcp_protocol_number_);
    std::string error;
    const auto inherited = socket_from_systemd();
    const bool ok = inherited ? listener->adopt(*inherited, error) : listener->listen(address, error);
    if (!ok) {
        spdlog::critical("{}", error);
        return false;
    }
    socket_activated_ = inherited.has_value();
    listener_ = std::move(listener);
    return true;
}

bool Daemon::open_http_listener() {
    if (!settings_.http.enabled) {
        http_listener_.reset();
        return true;
    }
    auto listener = std::make_unique<Listener>(loop_.get(), *hub_, http_protocol_number_);
    std::string error;
    if (!listener->listen(settings_.http.listen, error)) {
        spdlog::critical("http.listen: {}", error);
        return false;
    }
    http_listener_ = std::move(listener);
    spdlog::info("HTTP serving http://{}/ (/stream, /snapshot.jpg, /healthz, /metrics)",
                 http_listener_->local_address());
    return true;
}

int Daemon::run() {
    signal(SIGPIPE, SIG_IGN);  // a viewer hanging up must be a write error, not our death

    if (!open_ledger() || !apply_access(settings_.access, "")) return 1;

    hub_ = std::make_unique<Hub>(loop_.get(), settings_, admission_, health_, *watch_time_);
    http_protocol_ = std::make_unique<HttpProtocol>(settings_.http, health_, started_us_);
    start_audio();
    tcp_protocol_ = std::make_unique<V1Protocol>(
        stream_info(settings_.source.width, settings_.source.height, settings_.source.fps));
    tcp_protocol_number_ = hub_->add_protocol(*tcp_protocol_);
    http_protocol_number_ = hub_->add_protocol(*http_protocol_);
    hub_->on_demand_changed([this](int demand) {
        if (capture_) capture_->set_viewers(demand);
    });

    const std::pair<int, void (*)(uv_signal_t*, int)> handlers[] = {
        {SIGTERM, [](uv_signal_t* h, int) { static_cast<Daemon*>(h->data)->stop("SIGTERM"); }},
        {SIGINT, [](uv_signal_t* h, int) { static_cast<Daemon*>(h->data)->stop("SIGINT"); }},
        {SIGHUP, [](uv_signal_t* h, int) { static_cast<Daemon*>(h->data)->reload(); }},
    };
    for (const auto& [number, handler] : handlers) {
        auto& signal_handle = signals_.emplace_back(std::make_unique<UvHandle<uv_signal_t>>(loop_.get(), uv_signal_init));
        signal_handle->get()->data = this;
        check_uv(uv_signal_start(signal_handle->get(), handler, number), "uv_signal_start");
    }

    // The viewers' hello announces the picture size, which the source knows
    // once open: listen once its first open attempt has an outcome. The loop
    // runs meanwhile (signals work), it only has no listener yet.
    start_capture(1);
    while (!source_reported_ && !stopping_) uv_run(loop_.get(), UV_RUN_ONCE);
    if (stopping_) {
        uv_run(loop_.get(), UV_RUN_DEFAULT);
        return 0;
    }
    if (!open_tcp_listener(settings_.server.listen)) return 1;
    const auto& source = health_.source();
    spdlog::info("camstreamd {} listening on {}{} (source {}, {}x{} at {} fps, JPEG quality {})", kVersion,
                 listener_->local_address(), socket_activated_ ? " (socket from systemd)" : "",
                 source.description.empty() ? settings_.source.uri : source.description,
                 source.width != 0 ? source.width : settings_.source.width,
                 source.height != 0 ? source.height : settings_.source.height,
                 source.fps != 0 ? source.fps : settings_.source.fps,
                 settings_.encoder.jpeg_quality);
    if (!open_http_listener()) return 1;
    if (settings_.access.mode == "open" && (!is_loopback(settings_.server.listen) ||
                            (settings_.http.enabled && !is_loopback(settings_.http.listen)))) {
        spdlog::warn("access.mode is open: anyone who can reach {}{} may watch; see docs/ACCESS.md to require tokens",
                     settings_.server.listen, settings_.http.enabled ? " or " + settings_.http.listen : std::string());
    }

    stats_log_ = std::make_unique<StatsLog>(loop_.get(), health_, settings_.log.stats_interval);
    notifier_ = std::make_unique<ServiceNotifier>(loop_.get(), health_);
    notifier_->ready();

    uv_run(loop_.get(), UV_RUN_DEFAULT);
    spdlog::info("camstreamd stopped: {} frames captured, {} encoded, {} passed through, {} broken, {} published, "
                 "{} sent, {} dropped, {} connections, {} rejected, {} stalled; {} frames replaced before the loop "
                 "took them",
                 health_.frames_captured(), health_.frames_encoded(), health_.frames_passed_through(),
                 health_.frames_broken(), health_.frames_handed_over(),
                 health_.frames_sent(), health_.frames_dropped(), health_.connections(), health_.rejections(),
                 health_.stalls(), health_.frames_replaced());
    return 0;
}

void Daemon::stop(const char* why) {
    if (stopping_) return;
    stopping_ = true;
    spdlog::info("{}: stopping, {} viewers to say goodbye to", why, health_.viewers());
    if (notifier_) {
        notifier_->stopping();
        notifier_->close();
    }
    if (listener_) listener_->stop();
    if (http_listener_) http_listener_->stop();
    if (stats_log_) stats_log_->close();
    retire_capture();
    if (audio_) {
        audio_->stop([this] {
            audio_stopped_ = true;
            finish_stop();
        });
    }
    hub_->shutdown([this] {
        viewers_gone_ = true;
        finish_stop();
    });
}

void Daemon::finish_stop() {
    // Nothing else keeps the loop alive once the viewers are gone and every capture thread has ended.
    if (!viewers_gone_ || !retiring_.empty() || !audio_stopped_) return;
    for (auto& signal_handle : signals_) signal_handle->close();
}

void Daemon::reload() {
    if (stopping_ || !notifier_) return;
    notifier_->reloading();
    spdlog::info("SIGHUP: reloading {}", launch_.config_path);
    auto loaded = load_config_file(launch_.config_path, launch_.overrides);
    if (!loaded.ok()) {
        for (const auto& message : loaded.errors) spdlog::error("{}", message);
        spdlog::error("reload rejected: the configuration has errors; the running one stays");
        notifier_->ready();
        return;
    }
    Settings next = with_sync_flash(std::move(loaded.settings));
    // Checked before anything changes: a reload applies whole or not at all.
    std::string access_error;
    if (!access_policy(next.access, access_error)) {
        spdlog::error("{}", access_error);
        spdlog::error("reload rejected: the configuration has errors; the running one stays");
        notifier_->ready();
        return;
    }
    const auto changes = changed_settings(settings_, next);
    bool reopen_source = false;
    bool reopen_listener = false;
    for (const auto& change : changes) {
        spdlog::info("reload: {} {} -> {} ({})", change.key, change.before, change.after, to_string(change.effect));
        reopen_source = reopen_source || change.effect == OnReload::reopens_source;
        reopen_listener = reopen_listener || change.effect == OnReload::reopens_listener;
        if (change.effect == OnReload::needs_restart) {
            spdlog::warn("reload: {} takes effect when camstreamd restarts", change.key);
        }
    }
    const auto previous = settings_;
    settings_ = next;

    // What only needs a new value: viewers stay connected.
    capture_->set_jpeg_quality(next.encoder.jpeg_quality);
    hub_->apply(next.viewer, next.server);
    http_protocol_->apply(next.http);
    // The access files are read again at every reload, changed or not: that is
    // how tokens and ticket keys are added and revoked.
    apply_access(next.access, "reload: ");
    watch_time_->set_flush_interval(next.access.ledger_flush);
    settings_.access.ledger = previous.access.ledger;
    hub_->revoke_disallowed();
    set_log_level(next.log.level);
    stats_log_->set_interval(next.log.stats_interval);

    // What needs reopening: only that part; viewers stay connected either way.
    if (reopen_source) {
        spdlog::info("reload: reopening the source ({} -> {})", previous.source.uri, next.source.uri);
        const auto next_sequence = capture_->last_sequence() + 1;
        retire_capture();
        start_capture(next_sequence);
    }
    if (reopen_listener) reopen_listeners(previous);
    spdlog::info("reload applied: JPEG quality {}, {} fps, queue {} frames / {} bytes, stall timeout {}ms",
                 next.encoder.jpeg_quality, next.source.fps, next.viewer.queue_frames, next.viewer.queue_bytes,
                 next.viewer.stall_timeout.count());
    notifier_->ready();
}

bool Daemon::open_ledger() {
    const auto& access = settings_.access;
    std::unique_ptr<Ledger> ledger;
    if (!access.ledger.empty()) {
        std::string error;
        ledger = Ledger::open(access.ledger, Ledger::Access::daemon, error);
        if (!ledger && access.tickets()) {
            spdlog::critical("access.ledger: {} (tickets need it: it is what minutes budgets are counted from)", error);
            return false;
        }
        if (!ledger) spdlog::warn("access.ledger: {}; viewer sessions are not recorded", error);
    }
    if (ledger) {
        spdlog::info("ledger: {}{}", ledger->path(),
                     ledger->recovered() > 0
                         ? ", " + std::to_string(ledger->recovered()) + " sessions closed that a crash had left open"
                         : std::string());
    }
    watch_time_ = std::make_unique<WatchTime>(std::move(ledger), access.ledger_flush);
    admission_.set_watch_time(watch_time_.get());
    return true;
}

bool Daemon::apply_access(const AccessSettings& access, const char* when) {
    std::string error;
    const auto policy = access_policy(access, error);
    if (!policy) {
        spdlog::critical("{}", error);
        return false;
    }
    admission_.set_access(*policy);
    if (policy->tokens) {
        spdlog::info("{}access: tokens ({} named viewers in {})", when, policy->store->entries().size(),
                     access.tokens_file);
    }
    if (policy->tickets) {
        spdlog::info("{}access: tickets ({} keys in {}, {} revoked in {}{})", when, policy->keys->entries().size(),
                     access.ticket_keys_file, policy->revoked->size(), access.revoked_file,
                     access.ticket_audience.empty() ? std::string() : ", audience '" + access.ticket_audience + "'");
        if (!watch_time_->has_ledger()) {
            spdlog::warn("{}access: no ledger (access.ledger is empty): minutes budgets reset when camstreamd "
                         "restarts", when);
        }
    }
    return true;
}

void Daemon::reopen_listeners(const Settings& previous) {
    if (settings_.server.listen != previous.server.listen) {
        if (socket_activated_) {
            spdlog::warn("reload: server.listen is ignored: the listening socket comes from systemd");
        } else {
            auto old_listener = std::move(listener_);
            if (open_tcp_listener(settings_.server.listen)) {
                old_listener->stop();
                spdlog::info("reload: now listening on {}", listener_->local_address());
            } else {
                listener_ = std::move(old_listener);
                settings_.server.listen = previous.server.listen;
                spdlog::error("reload: keeping {}", listener_->local_address());
            }
        }
    }
    if (settings_.http.enabled == previous.http.enabled && settings_.http.listen == previous.http.listen) return;
    // Streams already open stay; only new connections go to the new address.
    auto old_listener = std::move(http_listener_);
    if (open_http_listener()) {
        if (old_listener) old_listener->stop();
        if (!http_listener_) {
            spdlog::info("reload: HTTP is off; its streams end");
            hub_->end_protocol(http_protocol_number_);
        }
        return;
    }
    http_listener_ = std::move(old_listener);
    settings_.http.enabled = previous.http.enabled;
    settings_.http.listen = previous.http.listen;
    if (http_listener_) spdlog::error("reload: HTTP keeps {}", http_listener_->local_address());
}

}  // namespace camstream
