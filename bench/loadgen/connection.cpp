// Connection: see connection.hpp.
#include "connection.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

namespace camstream::bench {
namespace {

// A stalled viewer's receive buffer; the kernel doubles it and clamps it to its minimum.
constexpr int kStalledReceiveBuffer = 4096;
// Reads per readiness event for a fast viewer: enough to drain a frame or two,
// bounded so one busy socket cannot starve the others in this single thread.
constexpr int kReadsPerEvent = 8;

std::int64_t wall_clock_us() {
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    return static_cast<std::int64_t>(now.tv_sec) * 1'000'000 + now.tv_nsec / 1000;
}

}  // namespace

Connection::Connection(Role role, std::unique_ptr<ViewerProtocol> protocol, WindowRecorder& recorder, double now_s)
    : role_(role), protocol_(std::move(protocol)), recorder_(recorder), opened_at_(now_s) {
    request_ = protocol_->opening_request();
}

Connection::~Connection() {
    if (fd_ >= 0) ::close(fd_);
}

bool Connection::open(const LoopbackAddress& target, const std::optional<LoopbackAddress>& local,
                      std::string& error) {
    fd_ = ::socket(target.storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
        error = std::string("socket: ") + std::strerror(errno);
        phase_ = Phase::finished;
        return false;
    }
    if (role_ == Role::stalled) {
        setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &kStalledReceiveBuffer, sizeof(kStalledReceiveBuffer));
    }
    const int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (local && ::bind(fd_, reinterpret_cast<const sockaddr*>(&local->storage), local->length) != 0) {
        error = std::string("bind ") + local->text + ": " + std::strerror(errno);
        ::close(fd_);
        fd_ = -1;
        phase_ = Phase::finished;
        return false;
    }
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&target.storage), target.length) != 0 &&
        errno != EINPROGRESS) {
        error = std::string("connect: ") + std::strerror(errno);
        ::close(fd_);
        fd_ = -1;
        phase_ = Phase::finished;
        return false;
    }
    return true;
}

std::uint32_t Connection::wanted_events() const {
    switch (phase_) {
        case Phase::connecting:
        case Phase::sending_request:
            return EPOLLOUT;
        case Phase::receiving:
            // A stalled viewer stops reading once accepted; the kernel still
            // reports errors (a reset) with no events asked for.
            if (role_ == Role::stalled && accepted_) return 0;
            return EPOLLIN;
        case Phase::finished:
            return 0;
    }
    return 0;
}

void Connection::on_events(std::uint32_t events, std::span<std::uint8_t> buffer, double now_s) {
    if (phase_ == Phase::connecting && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
        finish_connect(now_s);
        return;
    }
    if (phase_ == Phase::sending_request && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
        send_request(now_s);
        return;
    }
    if (phase_ != Phase::receiving) return;
    if (events & EPOLLIN) {
        read_into(buffer, SIZE_MAX, now_s);
        return;
    }
    if (events & (EPOLLERR | EPOLLHUP)) {
        int error = 0;
        socklen_t length = sizeof(error);
        getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &length);
        finish(error != 0 ? std::string("reset: ") + std::strerror(error) : std::string("hung up"), now_s);
    }
}

void Connection::finish_connect(double now_s) {
    int error = 0;
    socklen_t length = sizeof(error);
    getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &length);
    if (error != 0) {
        finish(std::string("connect failed: ") + std::strerror(error), now_s);
        return;
    }
    sockaddr_storage local{};
    socklen_t local_length = sizeof(local);
    if (getsockname(fd_, reinterpret_cast<sockaddr*>(&local), &local_length) == 0) {
        // sin_port and sin6_port sit at the same offset.
        local_port_ = ntohs(reinterpret_cast<const sockaddr_in*>(&local)->sin_port);
    }
    connected_at_ = now_s;
    if (role_ == Role::idle) {
        // Says nothing: only listens for the server's refusal or its close.
        phase_ = Phase::receiving;
        return;
    }
    phase_ = Phase::sending_request;
    send_request(now_s);
}

void Connection::send_request(double now_s) {
    while (request_sent_ < request_.size()) {
        const auto sent = ::send(fd_, request_.data() + request_sent_, request_.size() - request_sent_, MSG_NOSIGNAL);
        if (sent < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) return;
            finish(std::string("send: ") + std::strerror(errno), now_s);
            return;
        }
        request_sent_ += static_cast<std::size_t>(sent);
    }
    phase_ = Phase::receiving;
}

void Connection::trickle(std::size_t bytes, std::span<std::uint8_t> buffer, double now_s) {
    if (phase_ == Phase::receiving && role_ == Role::stalled && accepted_) read_into(buffer, bytes, now_s);
}

void Connection::read_into(std::span<std::uint8_t> buffer, std::size_t max_total, double now_s) {
    std::size_t total = 0;
    for (int reads = 0; reads < kReadsPerEvent && total < max_total && phase_ == Phase::receiving; ++reads) {
        const std::size_t want = std::min(buffer.size(), max_total - total);
        const auto got = ::recv(fd_, buffer.data(), want, 0);
        if (got == 0) {
            finish("end of stream", now_s);
            return;
        }
        if (got < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) return;
            finish(std::string("reset: ") + std::strerror(errno), now_s);
            return;
        }
        // The frame's last byte arrived with this chunk: that is its arrival time.
        arrival_us_ = wall_clock_us();
        now_s_ = now_s;
        total += static_cast<std::size_t>(got);
        if (!protocol_->feed(buffer.first(static_cast<std::size_t>(got)), *this)) {
            finish("protocol error: " + protocol_->error_text(), now_s);
            return;
        }
        if (static_cast<std::size_t>(got) < want) return;  // drained
        // A stalled viewer that just got accepted stops here, mid-buffer if need be.
        if (role_ == Role::stalled && accepted_ && max_total == SIZE_MAX) return;
    }
}

void Connection::note_server_closed(double now_s) {
    if (!server_closed_at_) server_closed_at_ = now_s;
}

void Connection::close_now(const char* why, double now_s) {
    if (phase_ == Phase::finished) return;
    const auto server_closed = server_closed_at_;
    finish(why, now_s);
    server_closed_at_ = server_closed;  // closing ourselves is not the server cutting us off
}

void Connection::finish(std::string why, double now_s) {
    if (phase_ == Phase::finished) return;
    phase_ = Phase::finished;
    finished_at_ = now_s;
    ending_ = std::move(why);
    // Any end we did not cause (EOF, reset) is the server closing this viewer.
    if (accepted_ || role_ == Role::idle) note_server_closed(now_s);
    if (fd_ >= 0) {
        ::close(fd_);  // also leaves the epoll set
        fd_ = -1;
    }
}

void Connection::on_accepted(double nominal_fps) {
    accepted_ = true;
    answered_at_ = now_s_;
    nominal_fps_ = nominal_fps;
    if (role_ == Role::stalled) stalled_since_ = now_s_;
    if (role_ == Role::churn) finish("churned", now_s_);
}

void Connection::on_rejected(std::string_view reason) {
    rejected_ = true;
    answered_at_ = now_s_;
    finish("rejected: " + std::string(reason), now_s_);
}

void Connection::on_frame(std::uint64_t sequence, std::uint64_t capture_timestamp_us) {
    if (recorder_.open) {
        ++frames_in_window_;
        ++recorder_.frames_all_viewers;
        if (last_sequence_ != 0 && sequence > last_sequence_ + 1) gaps_in_window_ += sequence - last_sequence_ - 1;
        if (role_ == Role::fast && recorder_.latency_us.size() < recorder_.latency_capacity) {
            recorder_.latency_us.push_back(arrival_us_ - static_cast<std::int64_t>(capture_timestamp_us));
            recorder_.latency_protocol.push_back(protocol_->kind());
        }
    }
    last_sequence_ = std::max(last_sequence_, sequence);
}

void Connection::on_audio_packet(std::uint64_t sequence) {
    if (recorder_.open) {
        ++audio_packets_in_window_;
        ++recorder_.audio_packets_all_viewers;
        if (last_audio_sequence_ != 0 && sequence > last_audio_sequence_ + 1) {
            audio_gaps_in_window_ += sequence - last_audio_sequence_ - 1;
        }
    }
    last_audio_sequence_ = std::max(last_audio_sequence_, sequence);
}

void Connection::on_goodbye(std::string_view reason) {
    // The server closes right after a goodbye; the read that follows sees it.
    if (accepted_) note_server_closed(now_s_);
    ending_ = std::string(reason);
}

}  // namespace camstream::bench
