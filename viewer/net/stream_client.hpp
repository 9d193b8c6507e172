// StreamClient: the receive thread. Connects, says hello, reads messages and
// reconnects with backoff (ReconnectBackoff); everything it learns goes to a
// StreamObserver.
#pragma once

#include "net/endpoint.hpp"
#include "net/reconnect_backoff.hpp"
#include "wire.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <thread>

namespace camstream::viewer {

class TcpConnection;

struct StreamClientSettings {
    Endpoint endpoint;
    std::string token;
    std::uint16_t max_fps = 0;  // 0 = no cap
    // Silence longer than this ends the connection: about three heartbeat intervals.
    std::chrono::milliseconds link_timeout{5000};
    ReconnectBackoffSettings backoff;
    // Whether "server full" and "shutting down" rejections are retried with
    // backoff; every other rejection stops the client.
    bool retry_busy_server = false;
    // Ask the server for audio (docs/PROTOCOL.md section 10).
    bool audio = true;
};

// Called on the receive thread, one call at a time, in stream order.
class StreamObserver {
public:
    virtual ~StreamObserver() = default;
    virtual void on_accepted(const wire::StreamInfo& info) = 0;
    // jpeg is valid only during the call.
    virtual void on_frame(const wire::MessageHeader& header,
                          std::span<const std::uint8_t> jpeg) = 0;
    // One Opus packet (already checked to be 1..kMaxAudioPacketLength bytes);
    // valid only during the call. A server sends them only when asked (audio).
    virtual void on_audio(const wire::MessageHeader&, std::span<const std::uint8_t>) {}
    virtual void on_heartbeat(const wire::Heartbeat& heartbeat) = 0;
    // retrying = false means the client has stopped for good.
    virtual void on_rejected(const wire::ServerHello& hello, bool retrying) = 0;
    // The connection ended (or never came up); the next attempt follows after retry_in.
    virtual void on_connection_lost(const std::string& reason,
                                    std::chrono::milliseconds retry_in) = 0;
    // A connection attempt after the first is starting; `reconnects` counts them
    // all, successful or not, since the client started.
    virtual void on_reconnecting(std::uint64_t reconnects) = 0;
};

// "unauthorized (bad token)": how a rejection is shown to the user.
std::string describe_rejection(const wire::ServerHello& hello);
// "1280x720 at 30.0 fps, camstreamd 0.1.0"
std::string describe_stream(const wire::StreamInfo& info);

class StreamClient {
public:
    StreamClient(StreamClientSettings settings, StreamObserver& observer);
    StreamClient(const StreamClient&) = delete;
    StreamClient& operator=(const StreamClient&) = delete;
    ~StreamClient();  // stops and joins

    void start();
    // Asks the receive thread to finish and wakes it from a blocking read or a
    // backoff wait. Safe from any thread, including observer callbacks.
    void stop();
    // Waits for the receive thread; never call from an observer callback.
    void join();

private:
    struct SessionOutcome;

    void run();
    SessionOutcome run_session();
    SessionOutcome read_stream(TcpConnection& connection);
    // Returns false when a stop was requested before the delay passed.
    bool wait_before_retry(std::chrono::milliseconds delay);
    bool stop_requested();

    const StreamClientSettings settings_;
    StreamObserver& observer_;
    std::thread thread_;

    // Shared with stop(): guards the stop flag and which connection a stop must wake.
    std::mutex mutex_;
    std::condition_variable stop_signal_;
    bool stop_requested_ = false;
    TcpConnection* active_connection_ = nullptr;
};

}  // namespace camstream::viewer
