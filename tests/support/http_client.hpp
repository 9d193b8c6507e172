// HTTP clients for the integration tests, written against the wire format rather
// than with the daemon's parser, so that they check what the daemon sends: a
// blocking request/response client over a raw socket (every call bounded in
// time), and a /stream viewer that reads multipart/x-mixed-replace strictly and
// records each part as a ReceivedFrame, served from one poll loop together with
// TCP viewers (TestClient).
#pragma once

#include "support/child_process.hpp"
#include "support/test_client.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace camstream::test {

struct HttpResponse {
    std::string version;  // "HTTP/1.1"
    int status = 0;
    std::string reason;
    std::vector<std::pair<std::string, std::string>> headers;  // in order, as sent
    std::string body;

    // The first header of that name (names compare case-insensitively), trimmed.
    std::optional<std::string> header(std::string_view name) const;
    std::size_t header_count(std::string_view name) const;
    // Status line and headers, for failure messages.
    std::string head_text() const;
};

// Parses a status line and header lines (the text before the blank line, without
// it). Empty when it is not an HTTP/1.x response head.
std::optional<HttpResponse> parse_response_head(std::string_view head);

// How a connection ended, as the client saw it.
enum class HttpEnding { open, closed, reset, timed_out };
std::string_view to_string(HttpEnding ending);

class HttpConnection {
public:
    struct Options {
        int receive_buffer_bytes = 0;  // non-zero: SO_RCVBUF before connect
        std::string source_address{};  // non-empty: connect from this loopback address
    };

    // Connects to 127.0.0.1:port (bounded).
    explicit HttpConnection(std::uint16_t port);
    HttpConnection(std::uint16_t port, Options options);
    ~HttpConnection();
    HttpConnection(const HttpConnection&) = delete;
    HttpConnection& operator=(const HttpConnection&) = delete;

    int fd() const { return fd_; }
    Clock::time_point connected_at() const { return connected_at_; }

    // Sends all bytes; false when the server has gone (or the send stalled 10 s).
    bool send(std::string_view bytes);
    // Reads one response: the head, then as many body bytes as Content-Length
    // says (none after a HEAD request or for 204/304; until the close when there
    // is no Content-Length). Empty when the connection ends or `timeout` passes
    // first (ending() says which).
    std::optional<HttpResponse> read_response(Duration timeout, bool head_request = false);
    // Reads the head only (for /stream); body bytes already read stay in buffered().
    std::optional<HttpResponse> read_head(Duration timeout);
    // Reads and discards until the server closes; returns how it ended
    // (timed_out when it was still open after `timeout`).
    HttpEnding wait_for_close(Duration timeout);
    // Bytes read but not yet returned as part of a response.
    const std::string& buffered() const { return buffer_; }
    std::uint64_t bytes_received() const { return bytes_received_; }
    HttpEnding ending() const { return ending_; }

private:
    // Reads what arrives before `deadline` into buffer_; false at the end of the
    // connection or the deadline.
    bool fill(Clock::time_point deadline);

    int fd_ = -1;
    Clock::time_point connected_at_;
    std::string buffer_;
    std::uint64_t bytes_received_ = 0;
    HttpEnding ending_ = HttpEnding::open;
};

// One request on a fresh connection with "Connection: close"; throws when no
// complete response arrives within `timeout`. `extra_headers` are whole lines,
// each ending in \r\n.
HttpResponse http_request(std::uint16_t port, std::string_view method, std::string_view target,
                          Duration timeout = std::chrono::seconds(10), std::string_view extra_headers = {});

// A /stream viewer. It reads everything the socket has whenever it is pumped,
// checks the multipart framing byte by byte (first boundary, part headers,
// exactly Content-Length bytes, CRLF and the boundary after each), and records
// each part's X-Sequence, X-Timestamp and JPEG digest. A framing error ends it.
class HttpStreamViewer {
public:
    struct Options {
        std::string target = "/stream";
        int receive_buffer_bytes = 0;
        std::string source_address{};
        bool keep_payloads = false;
    };

    // Connects and sends "GET target".
    explicit HttpStreamViewer(std::uint16_t port);
    HttpStreamViewer(std::uint16_t port, Options options);
    ~HttpStreamViewer();
    HttpStreamViewer(const HttpStreamViewer&) = delete;
    HttpStreamViewer& operator=(const HttpStreamViewer&) = delete;

    int fd() const { return fd_; }
    // Reads what the socket has now; false once the connection ended.
    bool read_available();

    // The response head, once it arrived.
    const std::optional<HttpResponse>& response() const { return response_; }
    const std::vector<ReceivedFrame>& frames() const { return frames_; }
    const std::vector<std::vector<std::uint8_t>>& payloads() const { return payloads_; }
    std::uint64_t bytes_received() const { return bytes_received_; }
    bool ended() const { return ending_ != HttpEnding::open || !format_error_.empty(); }
    HttpEnding ending() const { return ending_; }
    // Non-empty when the bytes broke the multipart format (and what was wrong).
    const std::string& format_error() const { return format_error_; }
    // True when no part is half received: the stream stands right after a boundary.
    bool at_part_boundary() const;
    std::size_t frames_between(Clock::time_point from, Clock::time_point to) const;
    std::string summary() const;

private:
    void parse();
    bool parse_part_headers(std::string_view head);
    void fail(std::string what);

    enum class State { response_head, first_boundary, part_headers, part_body, error_body, finished };

    int fd_ = -1;
    std::uint16_t local_port_ = 0;
    Options options_;
    State state_ = State::response_head;
    std::string buffer_;
    std::size_t consumed_ = 0;  // bytes of buffer_ already parsed
    std::optional<HttpResponse> response_;
    ReceivedFrame part_;  // the part whose body is awaited
    std::vector<ReceivedFrame> frames_;
    std::vector<std::vector<std::uint8_t>> payloads_;
    std::uint64_t bytes_received_ = 0;
    HttpEnding ending_ = HttpEnding::open;
    std::string format_error_;
};

// Serves TCP viewers and /stream viewers from one poll loop until `done()` holds
// or `timeout` passes; returns done().
bool pump_until(std::span<TestClient* const> tcp_viewers, std::span<HttpStreamViewer* const> http_viewers,
                const std::function<bool()>& done, Duration timeout);
void pump_for(std::span<TestClient* const> tcp_viewers, std::span<HttpStreamViewer* const> http_viewers,
              Duration duration);

}  // namespace camstream::test
