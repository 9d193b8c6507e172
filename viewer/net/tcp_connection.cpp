// Blocking TCP over the BSD socket API: name resolution, connect, send, receive.
#include "net/tcp_connection.hpp"

#include <cerrno>
#include <cstring>
#include <utility>

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

namespace camstream::viewer {

namespace {

timeval to_timeval(std::chrono::milliseconds timeout) {
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(timeout);
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(timeout - seconds);
    return {static_cast<time_t>(seconds.count()), static_cast<suseconds_t>(micros.count())};
}

std::string errno_text(int error) { return std::strerror(error); }

}  // namespace

ConnectResult TcpConnection::connect(const Endpoint& endpoint, std::chrono::milliseconds timeout) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    addrinfo* found = nullptr;
    const auto port = std::to_string(endpoint.port);
    if (const int error = ::getaddrinfo(endpoint.host.c_str(), port.c_str(), &hints, &found)) {
        return {std::nullopt, "cannot resolve " + endpoint.host + ": " + ::gai_strerror(error)};
    }

    std::string last_error = "no address for " + endpoint.host;
    for (const addrinfo* address = found; address != nullptr; address = address->ai_next) {
        const int fd =
            ::socket(address->ai_family, address->ai_socktype | SOCK_CLOEXEC, address->ai_protocol);
        if (fd < 0) {
            last_error = "socket: " + errno_text(errno);
            continue;
        }
        TcpConnection connection(fd);
        // On Linux SO_SNDTIMEO also bounds connect(), which otherwise waits minutes
        // for a host that drops SYNs.
        const timeval limit = to_timeval(timeout);
        ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
        if (::connect(fd, address->ai_addr, address->ai_addrlen) == 0) {
            ::freeaddrinfo(found);
            return {std::move(connection), {}};
        }
        const int error = errno;
        last_error = (error == EINPROGRESS || error == EAGAIN)
                         ? std::string("connect timed out")
                         : "connect failed: " + errno_text(error);
    }
    ::freeaddrinfo(found);
    return {std::nullopt, last_error};
}

TcpConnection::TcpConnection(TcpConnection&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

TcpConnection& TcpConnection::operator=(TcpConnection&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
}

TcpConnection::~TcpConnection() {
    if (fd_ >= 0) ::close(fd_);
}

std::optional<std::string> TcpConnection::send_all(std::span<const std::uint8_t> bytes) {
    while (!bytes.empty()) {
        // MSG_NOSIGNAL: a daemon that already hung up must not kill us with SIGPIPE.
        const auto sent = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (sent < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) return "send timed out";
            return "send failed: " + errno_text(errno);
        }
        bytes = bytes.subspan(static_cast<std::size_t>(sent));
    }
    return std::nullopt;
}

ReceiveResult TcpConnection::receive(std::span<std::uint8_t> buffer) {
    using Status = ReceiveResult::Status;
    for (;;) {
        const auto received = ::recv(fd_, buffer.data(), buffer.size(), 0);
        if (received > 0) return {Status::data, static_cast<std::size_t>(received), {}};
        if (received == 0) return {Status::closed, 0, {}};
        if (errno == EINTR) continue;
        // SO_RCVTIMEO expired: the link has been silent for the whole timeout.
        if (errno == EAGAIN || errno == EWOULDBLOCK) return {Status::timed_out, 0, {}};
        return {Status::failed, 0, "receive failed: " + errno_text(errno)};
    }
}

void TcpConnection::interrupt() {
    if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
}

}  // namespace camstream::viewer
