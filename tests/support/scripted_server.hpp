// A camstream server for the integration tests that says exactly what the test
// scripts: a loopback listener whose every accepted connection is handed to a
// script (read the hello, send these bytes, reset, ...). For testing clients
// (camview) against servers that misbehave in ways the real daemon never does.
#pragma once

#include "support/child_process.hpp"
#include "wire.hpp"

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

namespace camstream::test {

// One accepted connection, as the script sees it. Every call is bounded in time.
class ScriptedConnection {
public:
    ScriptedConnection(int fd, std::size_t index, const std::atomic<bool>& stopping);
    ~ScriptedConnection();  // closes the socket, unless reset() did
    ScriptedConnection(const ScriptedConnection&) = delete;
    ScriptedConnection& operator=(const ScriptedConnection&) = delete;

    std::size_t index() const { return index_; }  // 0 for the first connection
    bool stopping() const { return stopping_.load(); }

    // Reads one ClientHello; false if none arrived in time or it was malformed.
    bool read_hello(Duration timeout = std::chrono::seconds(5));
    // Sends all bytes; false when the peer has gone (or the send stalled 5 s).
    bool send(std::span<const std::uint8_t> bytes);
    bool send_accept(std::uint16_t width = 320, std::uint16_t height = 240);
    bool send_frame(std::uint64_t sequence, std::uint64_t timestamp_us,
                    std::span<const std::uint8_t> payload);
    // Waits until the peer closes; false on timeout or when the server stops.
    bool wait_for_close(Duration timeout);
    // Ends the connection with a TCP reset instead of an orderly close.
    void reset();

private:
    int fd_ = -1;
    std::size_t index_ = 0;
    const std::atomic<bool>& stopping_;
};

class ScriptedServer {
public:
    using Script = std::function<void(ScriptedConnection&)>;

    // Listens on 127.0.0.1 (a free port) and runs `script` for each connection,
    // one connection at a time, on a thread of its own. The socket closes when
    // the script returns.
    explicit ScriptedServer(Script script);
    ~ScriptedServer();
    ScriptedServer(const ScriptedServer&) = delete;
    ScriptedServer& operator=(const ScriptedServer&) = delete;

    std::uint16_t port() const { return port_; }
    // Connections accepted so far, and when each was accepted.
    std::size_t connections();
    std::vector<Clock::time_point> accepted_at();
    // Stops serving (scripts see stopping()); connections still waiting in the
    // listen backlog are accepted, counted and closed, so that connections()
    // then counts every connect that reached the server.
    void stop();

private:
    void serve();
    void record_accept();

    Script script_;
    int listen_fd_ = -1;
    std::uint16_t port_ = 0;
    std::atomic<bool> stopping_{false};
    std::mutex mutex_;
    std::vector<Clock::time_point> accepted_at_;
    std::thread thread_;
};

// Current wall-clock time in µs since the Unix epoch, as the daemon stamps frames.
std::uint64_t wall_clock_us();

}  // namespace camstream::test
