// Hub: see hub.hpp.
#include "hub/hub.hpp"

#include <spdlog/spdlog.h>

namespace camstream {

namespace {
// How often sessions are checked for hello timeouts, stalls and heartbeats:
// fine enough for second-scale timeouts, one timer for all viewers.
constexpr std::uint64_t kTickMs = 100;
// How long a shutdown waits for goodbyes to be written.
constexpr std::uint64_t kShutdownGraceMs = 1500;
}  // namespace

Hub::Hub(uv_loop_t* loop, const Settings& settings, wire::StreamInfo stream_info, Callbacks callbacks)
    : viewer_(settings.viewer),
      hello_timeout_(settings.server.hello_timeout),
      max_viewers_(settings.server.max_viewers),
      accept_reply_(wire::encode_accept(stream_info)),
      callbacks_(std::move(callbacks)),
      tick_timer_(loop, uv_timer_init) {
    tick_timer_.get()->data = this;
    uv_timer_start(tick_timer_.get(), [](uv_timer_t* timer) { static_cast<Hub*>(timer->data)->tick(); },
                   kTickMs, kTickMs);
}

void Hub::publish(FramePtr frame) {
    ++counters_.frames_published;
    latest_ = std::move(frame);
    for (auto& [id, session] : sessions_) session->offer(latest_);
}

void Hub::add_connection(std::unique_ptr<UvHandle<uv_tcp_t>> socket) {
    ++counters_.connections;
    const auto id = next_session_id_++;
    sessions_.emplace(id, std::make_unique<Session>(*this, std::move(socket), id));
}

void Hub::apply(const ViewerSettings& viewer, const ServerSettings& server) {
    viewer_ = viewer;
    hello_timeout_ = server.hello_timeout;
    max_viewers_ = server.max_viewers;
    for (auto& [id, session] : sessions_) session->set_queue_limits(queue_limits());
}

bool Hub::admit_viewer(Session& /*session*/) {
    if (viewers_ >= max_viewers_) return false;
    ++viewers_;
    callbacks_.viewers_changed(viewers_);
    return true;
}

void Hub::session_closed(Session& session, bool was_viewer) {
    if (was_viewer) {
        --viewers_;
        callbacks_.viewers_changed(viewers_);
        // Nothing is encoded while nobody watches, so the newest frame would only
        // go stale while holding its memory and its pipe.
        if (viewers_ == 0) latest_.reset();
    }
    sessions_.erase(session.id());
    if (sessions_.empty() && on_empty_) finish_shutdown();
}

void Hub::finish_shutdown() {
    tick_timer_.close();
    if (shutdown_timer_) shutdown_timer_->close();
    auto on_empty = std::move(on_empty_);
    on_empty_ = nullptr;
    if (on_empty) on_empty();
}

void Hub::count_sent(const Frame& frame, std::int64_t now_us) {
    ++counters_.frames_sent;
    counters_.bytes_sent += frame.wire_size();
    send_latency_us_.add(now_us - frame.published_us);
}

void Hub::tick() {
    const auto now = Session::Clock::now();
    for (auto& [id, session] : sessions_) session->tick(now);
}

void Hub::shutdown(std::function<void()> on_empty) {
    uv_timer_stop(tick_timer_.get());
    on_empty_ = std::move(on_empty);
    if (sessions_.empty()) {
        finish_shutdown();
        return;
    }
    for (auto& [id, session] : sessions_) {
        if (session->state() == Session::State::streaming) {
            session->finish(wire::Reason::shutting_down, "camstreamd is stopping");
        } else {
            session->close("server stopping");
        }
    }
    // Viewers that do not take their goodbye in time are closed regardless.
    shutdown_timer_ = std::make_unique<UvHandle<uv_timer_t>>(tick_timer_.get()->loop, uv_timer_init);
    shutdown_timer_->get()->data = this;
    uv_timer_start(shutdown_timer_->get(), [](uv_timer_t* timer) {
        auto* hub = static_cast<Hub*>(timer->data);
        for (auto& [id, session] : hub->sessions_) session->close("did not take its goodbye in time");
    }, kShutdownGraceMs, 0);
}

}  // namespace camstream
