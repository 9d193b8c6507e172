// TcpConnection: one blocking TCP socket to the daemon, owned for its whole life.
#pragma once

#include "net/endpoint.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace camstream::viewer {

struct ConnectResult;

struct ReceiveResult {
    enum class Status { data, closed, timed_out, failed };
    Status status = Status::failed;
    std::size_t size = 0;  // bytes received, for data
    std::string error;     // for failed
};

class TcpConnection {
public:
    // Resolves the host with getaddrinfo and tries each address in turn. `timeout`
    // bounds each connect and send, and every receive: a daemon that is alive sends
    // at least a heartbeat per second, so a longer silence means the link is dead.
    static ConnectResult connect(const Endpoint& endpoint, std::chrono::milliseconds timeout);

    TcpConnection(TcpConnection&& other) noexcept;
    TcpConnection& operator=(TcpConnection&& other) noexcept;
    TcpConnection(const TcpConnection&) = delete;
    TcpConnection& operator=(const TcpConnection&) = delete;
    ~TcpConnection();

    // Sends everything or returns the reason it could not.
    std::optional<std::string> send_all(std::span<const std::uint8_t> bytes);
    ReceiveResult receive(std::span<std::uint8_t> buffer);

    // Wakes a receive() blocked on another thread; it then reports `closed`.
    // Safe to call concurrently with receive(), not with destruction.
    void interrupt();

private:
    explicit TcpConnection(int fd) : fd_(fd) {}

    int fd_ = -1;
};

struct ConnectResult {
    std::optional<TcpConnection> connection;
    std::string error;  // set when connection is empty
};

}  // namespace camstream::viewer
