// HttpSession: see http_session.hpp.
#include "http/http_session.hpp"

#include "http/health_report.hpp"
#include "http/http_protocol.hpp"
#include "http/live_page.hpp"
#include "http/metrics_text.hpp"
#include "http/response.hpp"
#include "hub/connection.hpp"
#include "hub/health.hpp"
#include "media/clock.hpp"

#include <fmt/format.h>

#include <strings.h>

#include <charconv>

namespace camstream {
namespace {

// The highest ?fps= a stream may ask for, as v1's max_fps.
constexpr int kMaxFpsParameter = 1000;

RequestLimits limits_of(const HttpSettings& settings) {
    return {settings.max_header_bytes, settings.max_headers};
}

Rejection rejection_for(int status) {
    return status == 408 ? Rejection::hello_timeout : Rejection::bad_hello;
}

// "Bearer TOKEN" from Authorization, or ?token= for URLs without headers (an
// <img> tag, VLC): what admission checks once access control is on.
std::optional<std::string> credential_of(const HttpRequest& request) {
    if (const auto authorization = request.header("authorization")) {
        constexpr std::string_view bearer = "Bearer ";
        // The scheme is case-insensitive (RFC 9110 11.1).
        if (authorization->size() > bearer.size() &&
            strncasecmp(authorization->data(), bearer.data(), bearer.size()) == 0) {
            return std::string(authorization->substr(bearer.size()));
        }
    }
    // For <img> tags and VLC URLs, which cannot send a header; either name carries either credential.
    for (const char* name : {"ticket", "token"}) {
        if (const auto value = request.query_value(name)) return std::string(*value);
    }
    return std::nullopt;
}

}  // namespace

HttpSession::HttpSession(HttpProtocol& protocol)
    : protocol_(protocol), reader_(limits_of(protocol.settings())) {}

std::chrono::milliseconds HttpSession::greeting_timeout(std::chrono::milliseconds) const {
    const auto& settings = protocol_.settings();
    switch (phase_) {
        case Phase::waiting_picture: return settings.snapshot_timeout;
        case Phase::reading:
            return reader_.started() || !answered_any_ ? settings.request_timeout : settings.keepalive_timeout;
        case Phase::streaming:
        case Phase::listening:
        case Phase::closing: break;
    }
    // The last response of a closing connection gets as long as a request would.
    return settings.request_timeout;
}

void HttpSession::on_hello_timeout(Connection& connection, std::chrono::milliseconds timeout) {
    switch (phase_) {
        case Phase::waiting_picture: {
            const auto now_us = wall_clock_us();
            const auto& health = protocol_.health();
            auto response = text_response(
                503, fmt::format("no fresh frame within {}ms (source {})", timeout.count(),
                                 wire::to_string(health.source_state(now_us))));
            response.keep_alive = false;
            phase_ = Phase::closing;
            connection.send(response_bytes(response, snapshot_head_only_), true);
            return;
        }
        case Phase::reading:
            if (reader_.started() || !answered_any_) {
                refuse(connection, 408, fmt::format("no complete request within {}ms", timeout.count()));
            } else {
                connection.close("idle keep-alive connection closed after " + std::to_string(timeout.count()) + "ms");
            }
            return;
        case Phase::closing:
            connection.close("last response not taken within " + std::to_string(timeout.count()) + "ms");
            return;
        case Phase::streaming:
        case Phase::listening: return;
    }
}

void HttpSession::on_input(Connection& connection, std::span<const std::uint8_t> bytes) {
    switch (phase_) {
        case Phase::reading: read_requests(connection, bytes); return;
        case Phase::waiting_picture:
            // Pipelined requests wait for the snapshot; bounded like a request.
            if (held_.size() + bytes.size() > protocol_.settings().max_header_bytes) {
                refuse(connection, 431, "too many pipelined bytes while a snapshot was pending");
                return;
            }
            held_.insert(held_.end(), bytes.begin(), bytes.end());
            return;
        case Phase::streaming:
        case Phase::listening:
        case Phase::closing:
            // A stream's client has nothing more to say; whatever it sends is not kept.
            return;
    }
}

void HttpSession::read_requests(Connection& connection, std::span<const std::uint8_t> input) {
    reader_.set_limits(limits_of(protocol_.settings()));
    while (!input.empty() && phase_ == Phase::reading && connection.state() == Connection::State::greeting) {
        const bool was_started = reader_.started();
        const auto status = reader_.feed(input);
        // A keep-alive connection's next request is timed from its first byte.
        if (!was_started && reader_.started() && answered_any_) connection.restart_greeting_clock();
        switch (status) {
            case RequestReader::Status::need_more: return;
            case RequestReader::Status::error:
                refuse(connection, reader_.error().status, reader_.error().reason);
                return;
            case RequestReader::Status::request: {
                const auto request = reader_.request();
                reader_.next();
                answer(connection, request);
                break;
            }
        }
    }
    if (phase_ == Phase::waiting_picture) held_.assign(input.begin(), input.end());
}

void HttpSession::answer(Connection& connection, const HttpRequest& request) {
    const bool head_only = request.method == HttpRequest::Method::head;
    if (request.method == HttpRequest::Method::other) {
        auto response = text_response(405, request.method_name + " is not served here; use GET or HEAD");
        response.extra_headers.emplace_back("Allow: GET, HEAD");
        response.keep_alive = request.keep_alive;
        reply(connection, std::move(response), false);
        return;
    }
    const auto now_us = wall_clock_us();
    const auto& health = protocol_.health();
    Response response;
    response.keep_alive = request.keep_alive;
    response.no_store = true;
    if (request.path == "/stream") {
        start_stream(connection, request);
        return;
    } else if (request.path == "/audio") {
        start_audio(connection, request);
        return;
    } else if (request.path == "/snapshot.jpg") {
        if (allowed(connection, request)) start_snapshot(connection, request);
        return;
    } else if (request.path == "/healthz") {
        auto report = health_report(health, now_us);
        response.status = report.healthy ? 200 : 503;
        response.content_type = "application/json";
        response.body = std::move(report.json);
        response.body += "\n";
    } else if ((request.path == "/metrics" || request.path == "/" || request.path == "/index.html") &&
               !allowed(connection, request)) {
        // With access control on, only /healthz is open: uptime checks need no token.
        return;
    } else if (request.path == "/metrics") {
        response.content_type = "text/plain; version=0.0.4; charset=utf-8";
        response.body = prometheus_metrics(health, now_us, protocol_.started_us());
    } else if (request.path == "/" || request.path == "/index.html") {
        response.content_type = "text/html; charset=utf-8";
        response.body = std::string(live_page_html());
    } else {
        const auto keep_alive = response.keep_alive;
        response = text_response(404, request.path + " is not here; try /, /stream, /audio, /snapshot.jpg, /healthz or /metrics");
        response.keep_alive = keep_alive;
    }
    reply(connection, std::move(response), head_only);
}

void HttpSession::start_stream(Connection& connection, const HttpRequest& request) {
    Presented presented;
    if (const auto fps = request.query_value("fps")) {
        int value = 0;
        const auto [end, ec] = std::from_chars(fps->data(), fps->data() + fps->size(), value);
        if (ec != std::errc{} || end != fps->data() + fps->size() || value < 1 || value > kMaxFpsParameter) {
            auto response = text_response(400, fmt::format("fps must be a whole number from 1 to {}", kMaxFpsParameter));
            response.keep_alive = request.keep_alive;
            reply(connection, std::move(response), false);
            return;
        }
        presented.max_fps = static_cast<std::uint16_t>(value);
    }
    if (request.method == HttpRequest::Method::head) {
        if (!allowed(connection, request)) return;
        // What a stream would start with, minus the stream.
        auto head = HttpProtocol::stream_head();
        const std::string_view text(reinterpret_cast<const char*>(head.data()), head.size());
        head.resize(text.find("\r\n\r\n") + 4);
        phase_ = Phase::closing;
        connection.send(std::move(head), true);
        return;
    }
    presented.credential = credential_of(request);
    const auto decision = connection.admit(std::move(presented), HttpProtocol::stream_head());
    if (!decision) {
        refuse_access(connection, decision);
        return;
    }
    phase_ = Phase::streaming;
}

void HttpSession::start_audio(Connection& connection, const HttpRequest& request) {
    if (!protocol_.has_audio()) {
        auto response = text_response(404, "no audio here: audio.source is none");
        response.keep_alive = request.keep_alive;
        reply(connection, std::move(response), request.method == HttpRequest::Method::head);
        return;
    }
    auto head = protocol_.audio_head();
    if (request.method == HttpRequest::Method::head) {
        if (!allowed(connection, request)) return;
        const std::string_view text(reinterpret_cast<const char*>(head.data()), head.size());
        head.resize(text.find("\r\n\r\n") + 4);
        phase_ = Phase::closing;
        connection.send(std::move(head), true);
        return;
    }
    Presented presented;
    presented.credential = credential_of(request);
    presented.audio = true;
    presented.video = false;
    const auto decision = connection.admit(std::move(presented), std::move(head));
    if (!decision) {
        refuse_access(connection, decision);
        return;
    }
    phase_ = Phase::listening;
}

void HttpSession::start_snapshot(Connection& connection, const HttpRequest& request) {
    const auto state = protocol_.health().source_state(wall_clock_us());
    if (state == wire::SourceState::lost) {
        auto response = text_response(503, fmt::format("the source is {}", wire::to_string(state)));
        response.keep_alive = request.keep_alive;
        response.extra_headers.emplace_back("Retry-After: 1");
        reply(connection, std::move(response), request.method == HttpRequest::Method::head);
        return;
    }
    snapshot_head_only_ = request.method == HttpRequest::Method::head;
    snapshot_keep_alive_ = request.keep_alive;
    phase_ = Phase::waiting_picture;
    connection.restart_greeting_clock();
    connection.want_fresh_frame();
}

bool HttpSession::allowed(Connection& connection, const HttpRequest& request, std::uint16_t max_fps) {
    Presented presented;
    presented.credential = credential_of(request);
    presented.max_fps = max_fps;
    const auto decision = connection.check_access(std::move(presented));
    if (decision) return true;
    refuse_access(connection, decision);
    return false;
}

void HttpSession::refuse_access(Connection& connection, const AdmissionDecision& decision) {
    const auto why = *decision.refused;
    // A right token over its stream limit is no authentication problem: 403, without a challenge.
    const int status = why == Rejection::unauthorized   ? 401
                       : why == Rejection::rate_limited ? 429
                       : why == Rejection::stream_limit ? 403
                                                        : 503;
    auto response = text_response(status, decision.detail);
    if (status == 401) {
        response.extra_headers.emplace_back("WWW-Authenticate: Bearer realm=\"camstream\"");
    } else if (status != 403) {
        const auto retry = why == Rejection::rate_limited ? FailedAttempts::kWindow : std::chrono::seconds(1);
        response.extra_headers.push_back(
            fmt::format("Retry-After: {}", std::chrono::duration_cast<std::chrono::seconds>(retry).count()));
    }
    refuse(connection, why, std::move(response), fmt::format("{} ({})", to_string(why), decision.detail));
}

void HttpSession::on_fresh_frame(Connection& connection, const FramePtr& frame) {
    if (phase_ != Phase::waiting_picture) return;
    Response response;
    response.content_type = "image/jpeg";
    response.no_store = true;
    response.keep_alive = snapshot_keep_alive_;
    response.extra_headers.push_back(fmt::format("X-Timestamp: {}.{:06}", frame->times.captured_us / 1'000'000,
                                                 frame->times.captured_us % 1'000'000));
    response.extra_headers.push_back(fmt::format("X-Sequence: {}", frame->sequence));
    const auto head = response_head(response, frame->bytes().size());
    phase_ = snapshot_keep_alive_ ? Phase::reading : Phase::closing;
    if (snapshot_head_only_) {
        connection.send(Bytes(head.begin(), head.end()), !snapshot_keep_alive_);
    } else {
        // The picture goes out from the frame's own buffer, not a copy.
        connection.send(std::make_shared<const FramedMessage>(frame, Bytes(head.begin(), head.end()),
                                                              std::span<const std::uint8_t>{},
                                                              FramedMessage::Pipe::none),
                        !snapshot_keep_alive_);
    }
    if (phase_ != Phase::reading) return;
    answered_any_ = true;
    connection.restart_greeting_clock();
    read_requests(connection, std::exchange(held_, {}));
}

void HttpSession::reply(Connection& connection, Response response, bool head_only) {
    const bool keep_alive = response.keep_alive;
    connection.send(response_bytes(response, head_only), !keep_alive);
    if (!keep_alive) {
        phase_ = Phase::closing;
        connection.restart_greeting_clock();
        return;
    }
    answered_any_ = true;
    connection.restart_greeting_clock();
}

void HttpSession::refuse(Connection& connection, int status, const std::string& reason) {
    refuse(connection, rejection_for(status), text_response(status, reason),
           fmt::format("{} {} ({})", status, status_text(status), reason));
}

void HttpSession::refuse(Connection& connection, Rejection why, Response response, const std::string& logged) {
    phase_ = Phase::closing;
    response.keep_alive = false;
    connection.reject(why, logged, response_bytes(response, false));
}

void HttpSession::on_idle(Connection& connection, const Health&) {
    // A listener's stream is Ogg: nothing but pages may go in it.
    if (phase_ == Phase::listening) return;
    // WebKit shows a multipart part only when the next one begins: with no new
    // frame for a while (a lost camera, a slow rate), the last one is sent
    // once more so that such browsers show it too.
    const auto latest = connection.latest_frame();
    if (!latest || latest->frame().sequence == repeated_sequence_) return;
    repeated_sequence_ = latest->frame().sequence;
    connection.offer(latest);
}

Bytes HttpSession::goodbye(Ending, std::string_view) {
    // A stream just ends: once the frame being sent is complete, the connection closes.
    return {};
}

}  // namespace camstream
