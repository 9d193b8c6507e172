// The scripted loopback server (see scripted_server.hpp).
#include "support/scripted_server.hpp"

#include "decoder.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace camstream::test {

namespace {

using namespace std::chrono_literals;

[[noreturn]] void throw_errno(const std::string& what) {
    throw std::runtime_error(what + ": " + std::strerror(errno));
}

// Milliseconds until `deadline`, at most 50 so loops notice a stop quickly.
int poll_slice(Clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<Duration>(deadline - Clock::now()).count();
    return static_cast<int>(std::clamp<long long>(left, 0, 50));
}

}  // namespace

std::uint64_t wall_clock_us() {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
}

ScriptedConnection::ScriptedConnection(int fd, std::size_t index,
                                       const std::atomic<bool>& stopping)
    : fd_(fd), index_(index), stopping_(stopping) {
    // A client that stops reading must not hang the script.
    const timeval limit{5, 0};
    setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
}

ScriptedConnection::~ScriptedConnection() {
    if (fd_ >= 0) close(fd_);
}

bool ScriptedConnection::read_hello(Duration timeout) {
    wire::ClientHelloDecoder decoder;
    const auto deadline = Clock::now() + timeout;
    std::array<std::uint8_t, 512> buffer{};
    while (Clock::now() < deadline && !stopping()) {
        pollfd entry{fd_, POLLIN, 0};
        if (poll(&entry, 1, poll_slice(deadline)) <= 0) continue;
        // One byte at a time would be slow; the hello is all that may arrive, so
        // whatever recv returns belongs to it.
        const auto received = recv(fd_, buffer.data(), buffer.size(), 0);
        if (received <= 0) return false;
        std::span<const std::uint8_t> input(buffer.data(), static_cast<std::size_t>(received));
        const auto status = decoder.feed(input);
        if (status == wire::DecodeStatus::item) return true;
        if (status == wire::DecodeStatus::error) return false;
    }
    return false;
}

bool ScriptedConnection::send(std::span<const std::uint8_t> bytes) {
    while (!bytes.empty()) {
        const auto sent = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (sent < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        bytes = bytes.subspan(static_cast<std::size_t>(sent));
    }
    return true;
}

bool ScriptedConnection::send_accept(std::uint16_t width, std::uint16_t height) {
    return send(wire::encode_accept({width, height, 30000, wire::Codec::jpeg, "scripted server"}));
}

bool ScriptedConnection::send_frame(std::uint64_t sequence, std::uint64_t timestamp_us,
                                    std::span<const std::uint8_t> payload) {
    return send(wire::encode_message(wire::MessageType::video_frame, sequence, timestamp_us,
                                     payload));
}

bool ScriptedConnection::wait_for_close(Duration timeout) {
    const auto deadline = Clock::now() + timeout;
    std::array<std::uint8_t, 4096> buffer{};
    while (Clock::now() < deadline && !stopping()) {
        pollfd entry{fd_, POLLIN, 0};
        if (poll(&entry, 1, poll_slice(deadline)) <= 0) continue;
        const auto received = recv(fd_, buffer.data(), buffer.size(), 0);
        if (received == 0) return true;
        if (received < 0 && errno != EINTR && errno != EAGAIN) return true;  // reset: gone too
    }
    return false;
}

void ScriptedConnection::reset() {
    // SO_LINGER with a zero timeout makes close() send RST instead of FIN.
    const linger abort_on_close{1, 0};
    setsockopt(fd_, SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof abort_on_close);
    close(fd_);
    fd_ = -1;
}

ScriptedServer::ScriptedServer(Script script) : script_(std::move(script)) {
    listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (listen_fd_ < 0) throw_errno("socket");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(listen_fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        throw_errno("bind");
    }
    socklen_t length = sizeof address;
    if (getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        throw_errno("getsockname");
    }
    port_ = ntohs(address.sin_port);
    if (listen(listen_fd_, 64) != 0) throw_errno("listen");
    thread_ = std::thread([this] { serve(); });
}

ScriptedServer::~ScriptedServer() {
    stop();
    if (listen_fd_ >= 0) close(listen_fd_);
}

std::size_t ScriptedServer::connections() {
    std::lock_guard lock(mutex_);
    return accepted_at_.size();
}

std::vector<Clock::time_point> ScriptedServer::accepted_at() {
    std::lock_guard lock(mutex_);
    return accepted_at_;
}

void ScriptedServer::record_accept() {
    std::lock_guard lock(mutex_);
    accepted_at_.push_back(Clock::now());
}

void ScriptedServer::stop() {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
}

void ScriptedServer::serve() {
    while (!stopping_) {
        pollfd entry{listen_fd_, POLLIN, 0};
        if (poll(&entry, 1, 50) <= 0) continue;
        const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) continue;
        const std::size_t index = connections();
        record_accept();
        ScriptedConnection connection(fd, index, stopping_);
        script_(connection);
    }
    // Connects the kernel completed but nobody accepted yet still reached us.
    for (int fd; (fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC)) >= 0;) {
        record_accept();
        close(fd);
    }
}

}  // namespace camstream::test
