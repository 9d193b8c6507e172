// HttpSession: one HTTP connection, request by request: it reads each request
// (request_reader.hpp), answers the short endpoints at once with keep-alive,
// waits for a fresh frame for /snapshot.jpg, and turns into a streaming viewer
// at /stream. Until then the connection counts as greeting: bounded by the
// request and keep-alive timeouts and by the server's greeting limits.
#pragma once

#include "http/request_reader.hpp"
#include "hub/viewer_protocol.hpp"

#include <cstdint>
#include <vector>

namespace camstream {

class HttpProtocol;
struct Response;

class HttpSession final : public ProtocolSession {
public:
    explicit HttpSession(HttpProtocol& protocol);

    void on_input(Connection& connection, std::span<const std::uint8_t> bytes) override;
    std::chrono::milliseconds greeting_timeout(std::chrono::milliseconds hello_timeout) const override;
    void on_hello_timeout(Connection& connection, std::chrono::milliseconds timeout) override;
    void on_idle(Connection& connection, const Health& health) override;
    void on_fresh_frame(Connection& connection, const FramePtr& frame) override;
    Bytes goodbye(Ending ending, std::string_view why) override;

private:
    enum class Phase {
        reading,          // between requests, or inside one
        waiting_picture,  // /snapshot.jpg waits for a fresh frame
        streaming,        // /stream: the connection is a viewer
        listening,        // /audio: the connection is a listener, without pictures
        closing,          // the last response is on its way
    };

    void read_requests(Connection& connection, std::span<const std::uint8_t> input);
    void answer(Connection& connection, const HttpRequest& request);
    void start_stream(Connection& connection, const HttpRequest& request);
    void start_audio(Connection& connection, const HttpRequest& request);
    void start_snapshot(Connection& connection, const HttpRequest& request);
    void reply(Connection& connection, Response response, bool head_only);
    void refuse(Connection& connection, int status, const std::string& reason);
    // Answers and closes: the one way a request is refused (counted under `why`, `logged` to the log).
    void refuse(Connection& connection, Rejection why, Response response, const std::string& logged);
    // Access control for a request; false when it was answered with 401 or 429.
    bool allowed(Connection& connection, const HttpRequest& request, std::uint16_t max_fps = 0);
    void refuse_access(Connection& connection, const AdmissionDecision& decision);

    HttpProtocol& protocol_;
    RequestReader reader_;
    Phase phase_ = Phase::reading;
    bool answered_any_ = false;      // later requests are timed from their first byte
    std::vector<std::uint8_t> held_;  // pipelined bytes that arrived while a snapshot waited
    // The snapshot request being answered.
    bool snapshot_head_only_ = false;
    bool snapshot_keep_alive_ = false;
    std::uint64_t repeated_sequence_ = 0;  // the last frame shown twice
};

}  // namespace camstream
