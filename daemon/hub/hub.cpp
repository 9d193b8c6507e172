// Hub: see hub.hpp.
#include "hub/hub.hpp"

#include "media/clock.hpp"
#include "net/socket_name.hpp"

#include <spdlog/spdlog.h>

#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <utility>

namespace camstream {
namespace {

// How often connections are checked for hello timeouts, stalls and heartbeats:
// fine enough for second-scale timeouts, one timer for all viewers.
constexpr std::uint64_t kTickMs = 100;
// How long a shutdown waits for goodbyes to be written.
constexpr std::uint64_t kShutdownGraceMs = 1500;
// A new viewer starts with the newest picture at once, unless it is staler than
// this: with nobody watching nothing is encoded, so it may be minutes old.
constexpr std::int64_t kFreshFrameUs = 500'000;
// Tickets are checked for expiry and watch time every this many ticks (1 s).
constexpr std::uint64_t kAccessCheckTicks = 10;

}  // namespace

Hub::Hub(uv_loop_t* loop, const Settings& settings, Admission& admission, Health& health, WatchTime& watch_time)
    : admission_(admission),
      health_(health),
      watch_time_(watch_time),
      viewer_(settings.viewer),
      hello_timeout_(settings.server.hello_timeout),
      tick_timer_(loop, uv_timer_init) {
    tick_timer_.get()->data = this;
    start_timer(tick_timer_, [](uv_timer_t* timer) { static_cast<Hub*>(timer->data)->tick(); }, kTickMs, kTickMs);
}

Hub::~Hub() {
    // A connection outliving the hub would call back into freed memory.
    if (!connections_.empty()) {
        spdlog::critical("hub destroyed with {} connections open", connections_.size());
        std::abort();
    }
}

int Hub::add_protocol(ViewerProtocol& protocol) {
    protocols_.push_back(ProtocolEntry{&protocol, 0, 0, nullptr});
    return health_.add_protocol(std::string(protocol.name()));
}

void Hub::publish(FramePtr frame) {
    latest_ = std::move(frame);
    // Framed once per protocol with viewers, then shared by all of them.
    for (auto& entry : protocols_) entry.latest = entry.viewers > 0 ? entry.protocol->frame(latest_) : nullptr;
    for (auto& [id, connection] : connections_) {
        if (connection->state() != Connection::State::streaming || !connection->watches()) continue;
        connection->offer(protocols_[index(connection->protocol())].latest);
    }
    if (fresh_frame_waiters_.empty()) return;
    // A waiter may ask again from its callback: it then waits for the next frame.
    auto waiters = std::exchange(fresh_frame_waiters_, {});
    for (const auto id : waiters) {
        if (const auto found = connections_.find(id); found != connections_.end()) found->second->fresh_frame(latest_);
    }
    demand_changed();
}

void Hub::publish_audio(const FramePtr& packet) {
    // Framed once per protocol with listeners; a protocol without audio frames nothing.
    std::vector<FramedPtr> framed(protocols_.size());
    for (std::size_t i = 0; i < protocols_.size(); ++i) {
        if (protocols_[i].listeners > 0) framed[i] = protocols_[i].protocol->audio(packet);
    }
    for (auto& [id, connection] : connections_) {
        if (!connection->listens() || connection->state() != Connection::State::streaming) continue;
        if (const auto& message = framed[index(connection->protocol())]) connection->offer_audio(message);
    }
}

void Hub::audio_state_changed() {
    for (auto& [id, connection] : connections_) connection->audio_state_changed();
}

void Hub::want_fresh_frame(Connection& connection) {
    if (latest_ && wall_clock_us() - latest_->times.captured_us < kFreshFrameUs) {
        connection.fresh_frame(latest_);
        return;
    }
    fresh_frame_waiters_.push_back(connection.id());
    if (fresh_frame_waiters_.size() == 1) demand_changed();
}

FramedPtr Hub::latest_frame(int protocol) { return framed_latest(protocols_[index(protocol)]); }

void Hub::demand_changed() {
    if (demand_changed_) demand_changed_(demand());
}

FramedPtr Hub::framed_latest(ProtocolEntry& entry) {
    if (!entry.latest && latest_) entry.latest = entry.protocol->frame(latest_);
    return entry.latest;
}

FramedPtr Hub::first_picture(int protocol) {
    if (!latest_ || wall_clock_us() - latest_->times.captured_us >= kFreshFrameUs) return nullptr;
    return framed_latest(protocols_[index(protocol)]);
}

void Hub::add_connection(int protocol, int fd, const sockaddr_storage& address) {
    auto peer = socket_name(address);
    auto host = host_name(address);
    const auto found = greeting_by_host_.find(host);
    const int from_host = found == greeting_by_host_.end() ? 0 : found->second;
    if (const auto refusal = admission_.may_greet(from_host, greeting_total_)) {
        refuse_at_once(protocol, fd, peer, host, *refusal);
        return;
    }
    auto socket = std::make_unique<UvHandle<uv_tcp_t>>(tick_timer_.get()->loop, uv_tcp_init);
    if (const int rc = uv_tcp_open(socket->get(), fd); rc != 0) {
        spdlog::warn("viewer {}: cannot use the accepted socket: {}", peer, uv_strerror(rc));
        ::close(fd);
        return;
    }
    ++greeting_by_host_[host];
    ++greeting_total_;
    health_.connection_opened(protocol);
    const auto id = next_connection_id_++;
    connections_.emplace(
        id, std::make_unique<Connection>(*this, protocol, std::move(socket), std::move(peer), std::move(host), id));
}

void Hub::refuse_at_once(int protocol, int fd, const std::string& peer, const std::string& host,
                         const AdmissionDecision& refusal) {
    // Said only if the socket takes it at once: a refused client gets no queue,
    // no timer and no memory of ours.
    const auto reply = protocols_[index(protocol)].protocol->refusal(*refusal.refused, refusal.detail);
    if (!reply.empty()) (void)::send(fd, reply.data(), reply.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    ::close(fd);
    count_refusal(protocol, peer, host, *refusal.refused,
                  std::string(to_string(*refusal.refused)) + " (" + refusal.detail + ")");
}

void Hub::refuse_without_descriptor(int protocol, const sockaddr_storage& address) {
    count_refusal(protocol, socket_name(address), host_name(address), Rejection::no_descriptors,
                  "no_descriptors (out of file descriptors: connection closed unanswered)");
}

void Hub::count_refusal(int protocol, std::string_view peer, std::string_view host, Rejection why,
                        std::string_view reason) {
    health_.count_rejection(protocol, why);
    refusal_log_.refused(Connection::Clock::now(), peer, host, why, reason);
}

void Hub::greeting_ended(Connection& connection) {
    --greeting_total_;
    if (const auto found = greeting_by_host_.find(connection.host());
        found != greeting_by_host_.end() && --found->second <= 0) {
        greeting_by_host_.erase(found);
    }
}

void Hub::apply(const ViewerSettings& viewer, const ServerSettings& server) {
    viewer_ = viewer;
    hello_timeout_ = server.hello_timeout;
    admission_.set_limits(server.max_viewers, {server.max_greeting_per_address, server.max_greeting});
    for (auto& [id, connection] : connections_) connection->set_queue_limits(queue_limits());
}

AdmissionDecision Hub::admit(Connection& connection, const Presented& presented) {
    auto decision = admission_.decide(presented, health_.viewers());
    if (!decision) return decision;
    decision.audio = audio_ && presented.audio;
    if (!presented.video) ++listeners_only_;
    if (decision.audio) {
        ++protocols_[index(connection.protocol())].listeners;
        health_.listener_joined(connection.protocol());
        if (listeners_changed_) listeners_changed_(health_.listeners());
    }
    watch_time_.started(connection.id(), decision.grant, presented.protocol, connection.host(), wall_clock_us());
    ++protocols_[index(connection.protocol())].viewers;
    health_.viewer_joined(connection.protocol());
    demand_changed();
    return decision;
}

void Hub::connection_closed(Connection& connection) {
    if (connection.admitted()) {
        auto& entry = protocols_[index(connection.protocol())];
        if (--entry.viewers == 0) entry.latest.reset();
        health_.viewer_left(connection.protocol());
        if (!connection.watches()) --listeners_only_;
        if (connection.listens()) {
            --entry.listeners;
            health_.listener_left(connection.protocol());
            if (listeners_changed_) listeners_changed_(health_.listeners());
        }
        admission_.released(connection.grant());
        watch_time_.ended(connection.id(), connection.end_reason(), connection.frames_sent(), connection.bytes_sent(),
                          wall_clock_us());
        demand_changed();
        // Nothing is encoded while nobody watches, so the newest frame would only
        // go stale while holding its memory and its pipes.
        if (health_.viewers() == 0) latest_.reset();
    }
    if (std::erase(fresh_frame_waiters_, connection.id()) > 0) demand_changed();
    health_.connection_closed(connection.protocol());
    connections_.erase(connection.id());
    if (connections_.empty() && on_empty_) finish_shutdown();
}

void Hub::finish_shutdown() {
    watch_time_.flush(wall_clock_us());
    tick_timer_.close();
    if (shutdown_timer_) shutdown_timer_->close();
    auto on_empty = std::move(on_empty_);
    on_empty_ = nullptr;
    if (on_empty) on_empty();
}

void Hub::tick() {
    const auto now = Connection::Clock::now();
    for (auto& [id, connection] : connections_) connection->tick(now);
    refusal_log_.flush(now);
    if (++ticks_ % kAccessCheckTicks == 0) revoke_disallowed();
    if (const auto now_us = wall_clock_us(); watch_time_.flush_due(now_us)) {
        for (auto& [id, connection] : connections_) {
            if (connection->admitted()) watch_time_.progress(id, connection->frames_sent(), connection->bytes_sent());
        }
        watch_time_.flush(now_us);
    }
}

void Hub::revoke_disallowed() {
    const auto now_us = wall_clock_us();
    for (auto& [id, connection] : connections_) {
        if (connection->state() != Connection::State::streaming) continue;
        if (const auto why = admission_.why_not_allowed(connection->grant(), now_us)) connection->revoke(*why);
    }
}

void Hub::end_protocol(int protocol) {
    // Closes complete in a later loop phase, so the map stays as it is here;
    // a stream that does not take its last frame is closed by the closing grace.
    for (auto& [id, connection] : connections_) {
        if (connection->protocol() == protocol) connection->shut_down("its listener was turned off");
    }
}

void Hub::shutdown(std::function<void()> on_empty) {
    uv_timer_stop(tick_timer_.get());
    on_empty_ = std::move(on_empty);
    if (connections_.empty()) {
        finish_shutdown();
        return;
    }
    // Closes complete in a later loop phase, so the map stays as it is here.
    for (auto& [id, connection] : connections_) connection->shut_down("camstreamd is stopping");
    // Viewers that do not take their goodbye in time are closed regardless.
    shutdown_timer_ = std::make_unique<UvHandle<uv_timer_t>>(tick_timer_.get()->loop, uv_timer_init);
    shutdown_timer_->get()->data = this;
    start_timer(*shutdown_timer_, [](uv_timer_t* timer) {
        auto* hub = static_cast<Hub*>(timer->data);
        for (auto& [id, connection] : hub->connections_) connection->close("did not take its goodbye in time");
    }, kShutdownGraceMs, 0);
}

}  // namespace camstream
