// LoadRun: see load_run.hpp.
#include "load_run.hpp"

#include "server_socket_states.hpp"

#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <list>
#include <optional>
#include <thread>
#include <unordered_map>

namespace camstream::bench {
namespace {

// Connects in flight at once for the steady viewers: the server's listen
// backlog is 128, and a SYN beyond it waits a full second for its retry.
constexpr std::size_t kMaxHandshakes = 64;
// Connecting everyone may take at most this share of the run.
constexpr double kConnectShare = 0.5;
constexpr double kHandshakeTimeout = 10.0;
constexpr double kTrickleInterval = 0.1;
constexpr std::size_t kTrickleBytesPerInterval = 30;  // 300 B/s
constexpr double kProbeInterval = 0.25;
constexpr double kCleanupWait = 3.0;  // after closing: time the server gets to free descriptors
// Distinct refusal texts kept for the report; the rest are counted as "other".
constexpr std::size_t kRefusalReasonKinds = 8;

using Clock = std::chrono::steady_clock;

double own_cpu_seconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    const auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

class Runner {
public:
    explicit Runner(const LoadSettings& settings) : settings_(settings), start_(Clock::now()) {
        result_.settings = settings;
        epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
        buffer_.resize(256 * 1024);
    }
    ~Runner() {
        if (epoll_fd_ >= 0) ::close(epoll_fd_);
    }
    Runner(const Runner&) = delete;
    Runner& operator=(const Runner&) = delete;

    RunResult run();

private:
    double now() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }
    void open_steady_viewers(double t);
    void maybe_start_window(double t);
    void maybe_quiet_baseline(double t);
    void spawn_churn(double t);
    void spawn_idle(double t);
    void reap_idle();
    void on_timer(double t);
    void poll_once(int timeout_ms);
    Connection* open_connection(Role role, double t);
    void watch(Connection& connection);
    void sync_interest(Connection& connection);
    void reap_churn();
    void check_stalled_viewers(double t);
    void close_window(double t);
    void finish_and_cleanup();
    void note_rss(const DaemonSample& sample) {
        result_.rss_max_in_window_kib = std::max(result_.rss_max_in_window_kib, sample.rss_kib);
        result_.rss_anon_max_in_window_kib = std::max(result_.rss_anon_max_in_window_kib, sample.rss_anon_kib);
    }

    const LoadSettings& settings_;
    RunResult result_;
    Clock::time_point start_;
    int epoll_fd_ = -1;
    std::vector<std::uint8_t> buffer_;
    DaemonProbe probe_{settings_.daemon_pid};
    std::unordered_map<const Connection*, std::uint32_t> registered_;

    std::list<std::unique_ptr<Connection>> churners_;
    std::list<std::unique_ptr<Connection>> idlers_;
    std::array<std::uint64_t, 4> opened_per_role_{};  // picks each connection's protocol in a mixed run
    int next_steady_ = 0;
    bool all_connected_ = false;
    double window_start_at_ = 0;
    double window_opened_at_ = 0;
    bool churn_started_ = false;
    double quiet_start_at_ = 0;  // --quiet-baseline: its edges on the run clock
    double quiet_end_at_ = 0;
    double quiet_opened_at_ = 0;
    double next_churn_at_ = 0;
    double next_idle_at_ = 0;
    double next_trickle_at_ = 0;
    double next_probe_at_ = 0;
};

RunResult Runner::run() {
    result_.daemon_before = probe_.sample();
    const double end_at = settings_.duration_s;
    const double connect_deadline = settings_.duration_s * kConnectShare;
    result_.viewers.reserve(static_cast<std::size_t>(settings_.viewers));

    for (double t = now(); t < end_at; t = now()) {
        open_steady_viewers(t);
        if (!all_connected_) {
            const bool all_tried = next_steady_ == settings_.viewers;
            const bool all_settled = all_tried && std::none_of(result_.viewers.begin(), result_.viewers.end(),
                                                               [](const auto& c) { return c->handshaking(); });
            if (all_settled || t >= connect_deadline) {
                all_connected_ = true;
                result_.connect_seconds = t;
                window_start_at_ = std::min(t + settings_.warmup_s, end_at);
                next_churn_at_ = t;
                next_idle_at_ = t;
                churn_started_ = settings_.quiet_baseline_s == 0;
                if (!churn_started_) {
                    // Warm-up, then the quiet baseline, then churn; the window after it settled.
                    quiet_start_at_ = t + settings_.warmup_s;
                    quiet_end_at_ = quiet_start_at_ + settings_.quiet_baseline_s;
                    window_start_at_ = std::min(quiet_end_at_ + kChurnSettleSeconds, end_at);
                }
            }
        }
        maybe_quiet_baseline(t);
        maybe_start_window(t);
        if (all_connected_ && churn_started_ && settings_.churn_rate > 0) spawn_churn(t);
        if (all_connected_ && settings_.idle > 0) spawn_idle(t);
        on_timer(t);
        // Wake in time for the next churn connection; otherwise at least every 10 ms.
        int timeout_ms = 10;
        if (all_connected_ && churn_started_ && settings_.churn_rate > 0) {
            timeout_ms = std::clamp(static_cast<int>((next_churn_at_ - t) * 1000), 0, 10);
        }
        poll_once(timeout_ms);
        reap_churn();
        reap_idle();
    }
    close_window(now());
    finish_and_cleanup();
    return std::move(result_);
}

// Counts a refusal under the server's text ("rejected: TEXT"), keeping a few kinds.
void count_refusal(std::map<std::string, std::uint64_t>& reasons, const std::string& ending) {
    constexpr std::string_view prefix = "rejected: ";
    auto reason = ending.starts_with(prefix) ? ending.substr(prefix.size()) : ending;
    if (!reasons.contains(reason) && reasons.size() >= kRefusalReasonKinds) reason = "other";
    ++reasons[reason];
}

Connection* Runner::open_connection(Role role, double t) {
    const auto kind = settings_.protocol_of(opened_per_role_[static_cast<std::size_t>(role)]++);
    std::string credential;
    if (role == Role::churn) {
        credential = settings_.credential_of_churn(result_.churn.started);
    } else if (role != Role::idle) {
        credential = settings_.credential_of_steady(result_.viewers.size());
    }
    auto protocol = make_viewer_protocol(kind, std::move(credential), settings_.audio);
    auto connection = std::make_unique<Connection>(role, std::move(protocol), result_.recorder, t);
    std::string error;
    const bool opened = connection->open(settings_.target_of(kind), settings_.bind, error);
    Connection* raw = connection.get();
    if (role == Role::idle) {
        ++result_.idle.opened;
        if (!opened) {
            ++result_.idle.connect_failed;
            return nullptr;
        }
        idlers_.push_back(std::move(connection));
    } else if (role == Role::churn) {
        ++result_.churn.started;
        if (!opened) {
            ++result_.churn.failed;
            return nullptr;
        }
        churners_.push_back(std::move(connection));
    } else {
        result_.viewers.push_back(std::move(connection));
        if (!opened) return nullptr;
    }
    watch(*raw);
    return raw;
}

void Runner::open_steady_viewers(double t) {
    if (next_steady_ >= settings_.viewers) return;
    const auto in_handshake_now = std::count_if(result_.viewers.begin(), result_.viewers.end(),
                                                [](const auto& c) { return c->handshaking(); });
    auto in_handshake = static_cast<std::size_t>(in_handshake_now);
    while (next_steady_ < settings_.viewers && in_handshake < kMaxHandshakes) {
        // Stalled viewers are spread evenly through the connection order, so
        // they are not all the oldest or all the newest sessions on the server.
        const bool stalled = settings_.stalled > 0 &&
                             (static_cast<long>(next_steady_) * settings_.stalled) / settings_.viewers !=
                                 (static_cast<long>(next_steady_ + 1) * settings_.stalled) / settings_.viewers;
        open_connection(stalled ? Role::stalled : Role::fast, t);
        ++next_steady_;
        ++in_handshake;
    }
}

void Runner::maybe_quiet_baseline(double t) {
    if (!all_connected_ || churn_started_) return;
    if (quiet_opened_at_ == 0 && t >= quiet_start_at_) {
        result_.daemon_quiet_start = probe_.sample();
        quiet_opened_at_ = t;
    }
    if (quiet_opened_at_ > 0 && t >= quiet_end_at_) {
        result_.daemon_quiet_end = probe_.sample();
        result_.quiet_seconds = t - quiet_opened_at_;
        churn_started_ = true;
        next_churn_at_ = t;
    }
}

void Runner::maybe_start_window(double t) {
    if (!all_connected_ || result_.recorder.open || window_opened_at_ > 0 || t < window_start_at_) return;
    result_.daemon_window_start = probe_.sample();
    if (result_.daemon_window_start) note_rss(*result_.daemon_window_start);
    for (auto& viewer : result_.viewers) viewer->window_opened();
    result_.recorder.open = true;
    window_opened_at_ = t;
    result_.loadgen_cpu_seconds = own_cpu_seconds();
}

void Runner::spawn_churn(double t) {
    const double interval = 1.0 / settings_.churn_rate;
    // Churn connections in their handshake at once: a second's worth, at least 16.
    const auto cap = static_cast<std::size_t>(std::max(16.0, settings_.churn_rate));
    for (int spawned = 0; next_churn_at_ <= t && spawned < 64; ++spawned) {
        next_churn_at_ += interval;
        if (churners_.size() >= cap) {
            ++result_.churn.skipped;
            continue;
        }
        open_connection(Role::churn, t);
    }
    // Far behind (the loop was busy): restart the schedule rather than burst.
    if (next_churn_at_ < t - 1.0) next_churn_at_ = t;
}

void Runner::spawn_idle(double t) {
    // Keep `idle` of them open; a replacement for one the server closed waits
    // for the next slot of the rate, so a refusing server sees a steady trickle.
    const double interval = 1.0 / settings_.idle_rate;
    while (next_idle_at_ <= t && idlers_.size() < static_cast<std::size_t>(settings_.idle)) {
        next_idle_at_ += interval;
        open_connection(Role::idle, t);
    }
    if (next_idle_at_ < t - 1.0) next_idle_at_ = t;
}

void Runner::reap_idle() {
    auto& idle = result_.idle;
    for (auto it = idlers_.begin(); it != idlers_.end();) {
        const auto& idler = **it;
        if (idler.phase() != Connection::Phase::finished) {
            ++it;
            continue;
        }
        if (!idler.connected_at()) {
            ++idle.connect_failed;
        } else {
            if (idler.server_closed_at()) idle.held_seconds.push_back(*idler.server_closed_at() - *idler.connected_at());
            if (idler.rejected()) {
                ++idle.refused;
                // The ending reads "rejected: <the server's text>"; the text is the kind.
                count_refusal(idle.refusal_reasons, idler.ending());
            } else {
                ++idle.closed_without_reason;
            }
        }
        registered_.erase(&idler);
        it = idlers_.erase(it);
    }
}

void Runner::on_timer(double t) {
    if (settings_.trickle && t >= next_trickle_at_) {
        next_trickle_at_ = t + kTrickleInterval;
        for (auto& viewer : result_.viewers) viewer->trickle(kTrickleBytesPerInterval, buffer_, t);
    }
    if (t < next_probe_at_) return;
    next_probe_at_ = t + kProbeInterval;
    if (result_.recorder.open) {
        if (const auto sample = probe_.sample()) note_rss(*sample);
    }
    for (auto& viewer : result_.viewers) {
        if (viewer->handshaking() && t - viewer->opened_at() > kHandshakeTimeout) {
            viewer->close_now("handshake timeout", t);
        }
    }
    for (auto& churner : churners_) {
        if (churner->handshaking() && t - churner->opened_at() > kHandshakeTimeout) {
            churner->close_now("handshake timeout", t);
        }
    }
    // An idle connection still connecting this long was never accepted by the kernel.
    for (auto& idler : idlers_) {
        if (!idler->connected_at() && t - idler->opened_at() > kHandshakeTimeout) {
            idler->close_now("connect timeout", t);
        }
    }
    check_stalled_viewers(t);
}

void Runner::check_stalled_viewers(double t) {
    // The server's end of each stalled viewer still open, read from /proc once
    // per listener and only when some viewer of that listener needs it.
    std::array<std::optional<std::unordered_map<std::uint16_t, int>>, 2> states_by_protocol;
    for (auto& viewer : result_.viewers) {
        if (viewer->role() != Role::stalled || !viewer->accepted() || viewer->server_closed_at()) continue;
        if (viewer->phase() == Connection::Phase::finished) continue;
        const auto kind = viewer->protocol_kind();
        auto& states = states_by_protocol[static_cast<std::size_t>(kind)];
        if (!states) states = server_socket_states(settings_.target_of(kind).port);
        const auto state = states->find(viewer->local_port());
        if (state == states->end() || state->second != kTcpEstablished) viewer->note_server_closed(t);
    }
}

void Runner::watch(Connection& connection) {
    epoll_event event{};
    event.events = connection.wanted_events();
    event.data.ptr = &connection;
    epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, connection.fd(), &event);
    registered_[&connection] = event.events;
}

void Runner::sync_interest(Connection& connection) {
    if (connection.phase() == Connection::Phase::finished) {
        registered_.erase(&connection);  // close() already removed it from the epoll set
        return;
    }
    const auto wanted = connection.wanted_events();
    auto& current = registered_[&connection];
    if (wanted == current) return;
    epoll_event event{};
    event.events = wanted;
    event.data.ptr = &connection;
    epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, connection.fd(), &event);
    current = wanted;
}

void Runner::poll_once(int timeout_ms) {
    std::array<epoll_event, 256> events{};
    const int ready = epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), timeout_ms);
    const double t = now();
    for (int i = 0; i < ready; ++i) {
        auto& connection = *static_cast<Connection*>(events[static_cast<std::size_t>(i)].data.ptr);
        connection.on_events(events[static_cast<std::size_t>(i)].events, buffer_, t);
        sync_interest(connection);
    }
}

void Runner::reap_churn() {
    // Churn connections are counted and freed once finished; steady ones stay for the report.
    for (auto it = churners_.begin(); it != churners_.end();) {
        const auto& churner = **it;
        if (churner.phase() != Connection::Phase::finished) {
            ++it;
            continue;
        }
        auto& churn = result_.churn;
        if (churner.accepted()) {
            ++churn.completed;
        } else if (churner.rejected()) {
            ++churn.rejected;
            count_refusal(churn.refusal_reasons, churner.ending());
        } else {
            ++churn.failed;
        }
        // Reaped right after the poll that finished it, so "in the window" is
        // whether the answer came after the window opened and it is still open.
        const auto answered = churner.answered_at();
        if (answered && result_.recorder.open && *answered >= window_opened_at_) {
            churn.accepted_in_window += churner.accepted();
            churn.rejected_in_window += churner.rejected();
            // Bounded like the frame latencies: an hour at 2000/s would be 7.2 million.
            if (churn.hello_latency_in_window_s.size() < result_.recorder.latency_capacity) {
                churn.hello_latency_in_window_s.push_back(*answered - churner.opened_at());
            }
        }
        registered_.erase(&churner);
        it = churners_.erase(it);
    }
}

void Runner::close_window(double t) {
    if (!result_.recorder.open) {
        result_.measured_seconds = 0;
        return;
    }
    result_.recorder.open = false;
    result_.measured_seconds = t - window_opened_at_;
    result_.loadgen_cpu_seconds = own_cpu_seconds() - result_.loadgen_cpu_seconds;
    result_.daemon_window_end = probe_.sample();
    if (result_.daemon_window_end) note_rss(*result_.daemon_window_end);
    for (auto& viewer : result_.viewers) {
        viewer->window_closed();
        if (result_.nominal_fps == 0 && viewer->nominal_fps() > 0) result_.nominal_fps = viewer->nominal_fps();
    }
}

void Runner::finish_and_cleanup() {
    const double t = now();
    // One last look at the stalled viewers' server ends before we close our own.
    check_stalled_viewers(t);
    for (auto& viewer : result_.viewers) viewer->close_now("run over", t);
    for (auto& churner : churners_) churner->close_now("run over", t);
    reap_churn();
    // Idle connections the server still holds: how long it has held them.
    for (auto& idler : idlers_) {
        if (idler->phase() == Connection::Phase::finished || !idler->connected_at()) continue;
        ++result_.idle.open_at_end;
        result_.idle.longest_open_at_end_s = std::max(result_.idle.longest_open_at_end_s, t - *idler->connected_at());
        idler->close_now("run over", t);
    }
    for (const auto& idler : idlers_) registered_.erase(idler.get());
    idlers_.clear();

    // Give the server a bounded moment to notice the closes and free what they held.
    if (result_.daemon_before) {
        const auto deadline = Clock::now() + std::chrono::duration<double>(kCleanupWait);
        while (Clock::now() < deadline) {
            const auto sample = probe_.sample();
            if (!sample || sample->open_fds <= result_.daemon_before->open_fds) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        // A little longer so memory freed after the last close is seen too.
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
    result_.daemon_after_close = probe_.sample();
}

}  // namespace

RunResult run_load(const LoadSettings& settings) {
    Runner runner(settings);
    return runner.run();
}

}  // namespace camstream::bench
