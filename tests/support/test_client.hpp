// A camstream viewer for the integration tests: a loopback TCP socket speaking the
// protocol through camstream::wire (the real client implementation), recording
// what arrives. Many clients are served by one poll loop (pump_until), so a test
// can keep good viewers streaming while another client misbehaves.
#pragma once

#include "support/child_process.hpp"
#include "wire.hpp"
#include "decoder.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace camstream::test {

struct ReceivedFrame {
    std::uint64_t sequence = 0;
    std::uint64_t timestamp_us = 0;
    std::uint32_t payload_size = 0;
    bool valid_jpeg = false;  // starts with FF D8 (SOI) and ends with FF D9 (EOI)
    std::uint64_t payload_digest = 0;  // payload_digest() of the bytes received
    Clock::time_point received_at;
};

struct ReceivedAudio {
    std::uint64_t sequence = 0;
    std::uint64_t timestamp_us = 0;
    std::vector<std::uint8_t> opus;
    Clock::time_point received_at;
};

struct ReceivedHeartbeat {
    std::uint64_t sequence = 0;
    std::uint64_t timestamp_us = 0;
    bool payload_valid = false;
    wire::Heartbeat heartbeat;
    Clock::time_point received_at;
};

// How the connection ended, as seen by the client.
enum class Ending { open, end_of_stream, reset, decode_error };
std::string_view to_string(Ending ending);

bool is_complete_jpeg(std::span<const std::uint8_t> bytes);
// FNV-1a over the bytes: enough to tell whether two payloads are the same bytes.
std::uint64_t payload_digest(std::span<const std::uint8_t> bytes);

class TestClient {
public:
    struct Options {
        // Non-zero: SO_RCVBUF before connect, so a client that stops reading stalls
        // the server quickly (the kernel doubles it and enforces a minimum).
        int receive_buffer_bytes = 0;
        // Non-empty: connect from this loopback address (127.0.0.2, ...), so one
        // test can act as several hosts.
        std::string source_address{};
        // Keep every frame's bytes (payloads()), for tests that look inside them.
        bool keep_payloads = false;
        // Ask for audio in the hello (audio packets are kept: audio()).
        bool audio = false;
    };

    // Connects to 127.0.0.1:port (blocking, bounded); the socket is non-blocking afterwards.
    explicit TestClient(std::uint16_t port);
    TestClient(std::uint16_t port, Options options);
    ~TestClient();
    TestClient(const TestClient&) = delete;
    TestClient& operator=(const TestClient&) = delete;

    int fd() const { return fd_; }
    std::uint16_t local_port() const { return local_port_; }
    // "SOURCE:LOCALPORT" (127.0.0.1 unless Options::source_address): how the
    // daemon names this viewer in its log.
    std::string peer_name() const;

    // Raw bytes, for malformed input. False when the server has closed already.
    bool send_bytes(std::span<const std::uint8_t> bytes);
    bool send_bytes(std::string_view text);
    bool send_hello(std::uint16_t max_fps = 0, const std::string& token = {});

    // Sends a hello and waits for the ServerHello; throws when none arrives.
    wire::ServerHello handshake(std::uint16_t max_fps = 0,
                                Duration timeout = std::chrono::seconds(10));
    // Waits until `count` more frames have arrived; false on timeout or end of stream.
    bool receive_frames(std::size_t count, Duration timeout);
    // Reads (and records) everything until the server closes; false on timeout.
    bool read_until_closed(Duration timeout);

    // Reads what the socket has now and decodes it; false once the connection ended.
    bool read_available();

    const std::optional<wire::ServerHello>& server_hello() const { return server_hello_; }
    // When connect() returned, and when the ServerHello was decoded (empty until then).
    Clock::time_point connected_at() const { return connected_at_; }
    const std::optional<Clock::time_point>& server_hello_at() const { return server_hello_at_; }
    const std::vector<ReceivedFrame>& frames() const { return frames_; }
    // Each frame's payload, when Options::keep_payloads.
    const std::vector<std::vector<std::uint8_t>>& payloads() const { return payloads_; }
    const std::vector<ReceivedHeartbeat>& heartbeats() const { return heartbeats_; }
    const std::vector<ReceivedAudio>& audio() const { return audio_; }
    // Bytes of audio messages (headers included) among bytes_received().
    std::uint64_t audio_bytes_received() const { return audio_bytes_received_; }
    const std::optional<wire::Goodbye>& goodbye() const { return goodbye_; }
    // Types of the reserved messages that were skipped.
    const std::vector<std::uint16_t>& skipped_types() const { return skipped_types_; }
    std::uint64_t bytes_received() const { return bytes_received_; }

    bool ended() const { return ending_ != Ending::open; }
    Ending ending() const { return ending_; }
    wire::Reason decode_error() const { return decode_error_; }
    const std::string& decode_error_text() const { return decode_error_text_; }
    // One line saying what this client saw, for failure messages.
    std::string summary() const;

    // Frames whose arrival time lies in [from, to).
    std::size_t frames_between(Clock::time_point from, Clock::time_point to) const;

private:
    void handle_item();

    int fd_ = -1;
    std::uint16_t local_port_ = 0;
    std::string source_address_ = "127.0.0.1";
    Clock::time_point connected_at_;
    wire::StreamDecoder decoder_;
    std::optional<wire::ServerHello> server_hello_;
    std::optional<Clock::time_point> server_hello_at_;
    std::vector<ReceivedFrame> frames_;
    std::vector<std::vector<std::uint8_t>> payloads_;
    Options options_;
    std::vector<ReceivedHeartbeat> heartbeats_;
    std::vector<ReceivedAudio> audio_;
    std::uint64_t audio_bytes_received_ = 0;
    std::optional<wire::Goodbye> goodbye_;
    std::vector<std::uint16_t> skipped_types_;
    std::uint64_t bytes_received_ = 0;
    Ending ending_ = Ending::open;
    wire::Reason decode_error_ = wire::Reason::none;
    std::string decode_error_text_;
};

// Serves all clients that have not ended from one poll loop until `done()` holds
// or `timeout` passes; returns done().
bool pump_until(std::span<TestClient* const> clients, const std::function<bool()>& done,
                Duration timeout);
// Serves the clients for `duration`.
void pump_for(std::span<TestClient* const> clients, Duration duration);

// Sends every client a hello and serves them all until each has its ServerHello.
// Throws when one does not get it in time.
void handshake_all(std::span<TestClient* const> clients, std::uint16_t max_fps = 0,
                   Duration timeout = std::chrono::seconds(15));
// Serves the clients until each has its ServerHello (hellos already sent). Throws
// when one does not get it in time.
void wait_for_hellos(std::span<TestClient* const> clients,
                     Duration timeout = std::chrono::seconds(15));

// A port on 127.0.0.1 where nothing listens: bound (so nobody else takes it) but
// never listening, so a connect is refused at once.
class UnusedPort {
public:
    UnusedPort();
    ~UnusedPort();
    UnusedPort(const UnusedPort&) = delete;
    UnusedPort& operator=(const UnusedPort&) = delete;
    std::uint16_t port() const { return port_; }

private:
    int fd_ = -1;
    std::uint16_t port_ = 0;
};

}  // namespace camstream::test
