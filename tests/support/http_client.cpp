// The integration tests' HTTP clients (see http_client.hpp).
#include "support/http_client.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <sstream>
#include <stdexcept>

namespace camstream::test {

namespace {

constexpr std::string_view kBoundaryLine = "--camstreamframe\r\n";
constexpr std::string_view kPartEnd = "\r\n--camstreamframe";

[[noreturn]] void throw_errno(const std::string& what) {
    throw std::runtime_error(what + ": " + std::strerror(errno));
}

bool equal_ignoring_case(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

// "Name: value" lines separated by CRLF; false on a line without a colon.
bool parse_header_lines(std::string_view text, std::vector<std::pair<std::string, std::string>>& headers) {
    while (!text.empty()) {
        const auto end = text.find("\r\n");
        const auto line = text.substr(0, end);
        text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 2);
        const auto colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0) return false;
        headers.emplace_back(std::string(line.substr(0, colon)), std::string(trim(line.substr(colon + 1))));
    }
    return true;
}

std::optional<std::uint64_t> parse_unsigned(std::string_view text) {
    std::uint64_t value = 0;
    if (text.empty()) return std::nullopt;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return value;
}

// "SECONDS.MICROSECONDS" (exactly six digits after the point) as µs since the epoch.
std::optional<std::uint64_t> parse_timestamp(std::string_view text) {
    const auto point = text.find('.');
    if (point == std::string_view::npos || text.size() - point - 1 != 6) return std::nullopt;
    const auto seconds = parse_unsigned(text.substr(0, point));
    const auto micros = parse_unsigned(text.substr(point + 1));
    if (!seconds || !micros) return std::nullopt;
    return *seconds * 1'000'000 + *micros;
}

int connect_loopback(std::uint16_t port, int receive_buffer_bytes, const std::string& source_address) {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw_errno("socket");
    if (receive_buffer_bytes > 0 &&
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer_bytes, sizeof receive_buffer_bytes) != 0) {
        close(fd);
        throw_errno("SO_RCVBUF");
    }
    if (!source_address.empty()) {
        sockaddr_in source{};
        source.sin_family = AF_INET;
        if (inet_pton(AF_INET, source_address.c_str(), &source.sin_addr) != 1 ||
            bind(fd, reinterpret_cast<const sockaddr*>(&source), sizeof source) != 0) {
            close(fd);
            throw std::runtime_error("cannot bind to source address " + source_address);
        }
    }
    timeval timeout{10, 0};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        const auto message = "connect to 127.0.0.1:" + std::to_string(port);
        close(fd);
        throw_errno(message);
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    return fd;
}

bool send_all(int fd, std::string_view bytes) {
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (!bytes.empty()) {
        const auto sent = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (sent > 0) {
            bytes.remove_prefix(static_cast<std::size_t>(sent));
            continue;
        }
        if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            if (Clock::now() >= deadline) return false;
            pollfd entry{fd, POLLOUT, 0};
            poll(&entry, 1, 50);
            continue;
        }
        return false;
    }
    return true;
}

int milliseconds_until(Clock::time_point deadline, int most) {
    const auto left = std::chrono::duration_cast<Duration>(deadline - Clock::now()).count();
    return static_cast<int>(std::clamp<long long>(left, 0, most));
}

}  // namespace

std::optional<std::string> HttpResponse::header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
        if (equal_ignoring_case(key, name)) return value;
    }
    return std::nullopt;
}

std::size_t HttpResponse::header_count(std::string_view name) const {
    return static_cast<std::size_t>(std::count_if(
        headers.begin(), headers.end(), [&](const auto& entry) { return equal_ignoring_case(entry.first, name); }));
}

std::string HttpResponse::head_text() const {
    std::string text = version + " " + std::to_string(status) + " " + reason + "\n";
    for (const auto& [key, value] : headers) text += key + ": " + value + "\n";
    return text;
}

std::optional<HttpResponse> parse_response_head(std::string_view head) {
    const auto line_end = head.find("\r\n");
    const auto status_line = head.substr(0, line_end);
    // "HTTP/1.1 200 OK": version, a three-digit status, a reason (may be empty).
    if (status_line.size() < 12 || status_line.substr(0, 7) != "HTTP/1." || status_line[8] != ' ' ||
        (status_line.size() > 12 && status_line[12] != ' ')) {
        return std::nullopt;
    }
    HttpResponse response;
    response.version = std::string(status_line.substr(0, 8));
    const auto code = parse_unsigned(status_line.substr(9, 3));
    if (!code || *code < 100 || *code > 599) return std::nullopt;
    response.status = static_cast<int>(*code);
    if (status_line.size() > 13) response.reason = std::string(status_line.substr(13));
    if (line_end != std::string_view::npos &&
        !parse_header_lines(head.substr(line_end + 2), response.headers)) {
        return std::nullopt;
    }
    return response;
}

std::string_view to_string(HttpEnding ending) {
    switch (ending) {
        case HttpEnding::open: return "open";
        case HttpEnding::closed: return "closed";
        case HttpEnding::reset: return "connection reset";
        case HttpEnding::timed_out: return "timed out";
    }
    return "?";
}

// --- HttpConnection -------------------------------------------------------------

HttpConnection::HttpConnection(std::uint16_t port) : HttpConnection(port, Options{}) {}

HttpConnection::HttpConnection(std::uint16_t port, Options options)
    : fd_(connect_loopback(port, options.receive_buffer_bytes, options.source_address)),
      connected_at_(Clock::now()) {}

HttpConnection::~HttpConnection() {
    if (fd_ >= 0) close(fd_);
}

bool HttpConnection::send(std::string_view bytes) { return send_all(fd_, bytes); }

bool HttpConnection::fill(Clock::time_point deadline) {
    if (ending_ != HttpEnding::open) return false;
    std::array<char, 64 * 1024> chunk{};
    for (;;) {
        const auto got = ::recv(fd_, chunk.data(), chunk.size(), 0);
        if (got > 0) {
            buffer_.append(chunk.data(), static_cast<std::size_t>(got));
            bytes_received_ += static_cast<std::uint64_t>(got);
            return true;
        }
        if (got == 0) {
            ending_ = HttpEnding::closed;
            return false;
        }
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            ending_ = HttpEnding::reset;
            return false;
        }
        if (Clock::now() >= deadline) return false;
        pollfd entry{fd_, POLLIN, 0};
        poll(&entry, 1, milliseconds_until(deadline, 50));
    }
}

std::optional<HttpResponse> HttpConnection::read_head(Duration timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        const auto end = buffer_.find("\r\n\r\n");
        if (end != std::string::npos) {
            auto response = parse_response_head(std::string_view(buffer_).substr(0, end));
            buffer_.erase(0, end + 4);
            return response;
        }
        if (!fill(deadline)) return std::nullopt;
    }
}

std::optional<HttpResponse> HttpConnection::read_response(Duration timeout, bool head_request) {
    const auto deadline = Clock::now() + timeout;
    auto response = read_head(timeout);
    if (!response) return std::nullopt;
    const bool no_body = head_request || response->status / 100 == 1 || response->status == 204 ||
                         response->status == 304;
    if (no_body) return response;
    if (const auto length_text = response->header("Content-Length")) {
        const auto length = parse_unsigned(*length_text);
        if (!length) return std::nullopt;
        while (buffer_.size() < *length) {
            if (!fill(deadline)) return std::nullopt;
        }
        response->body = buffer_.substr(0, *length);
        buffer_.erase(0, *length);
        return response;
    }
    // No length: the body runs to the close.
    while (fill(deadline)) {
    }
    if (ending_ == HttpEnding::open) return std::nullopt;
    response->body = std::move(buffer_);
    buffer_.clear();
    return response;
}

HttpEnding HttpConnection::wait_for_close(Duration timeout) {
    const auto deadline = Clock::now() + timeout;
    while (fill(deadline)) buffer_.clear();
    if (ending_ == HttpEnding::open) return HttpEnding::timed_out;
    return ending_;
}

HttpResponse http_request(std::uint16_t port, std::string_view method, std::string_view target, Duration timeout,
                          std::string_view extra_headers) {
    HttpConnection connection(port);
    std::string request = std::string(method) + " " + std::string(target) +
                          " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) + "\r\nConnection: close\r\n" +
                          std::string(extra_headers) + "\r\n";
    if (!connection.send(request)) {
        throw std::runtime_error("could not send " + std::string(method) + " " + std::string(target));
    }
    auto response = connection.read_response(timeout, method == "HEAD");
    if (!response) {
        throw std::runtime_error("no complete response to " + std::string(method) + " " + std::string(target) +
                                 " (" + std::string(to_string(connection.ending())) + "), received: " +
                                 connection.buffered().substr(0, 400));
    }
    return *response;
}

// --- HttpStreamViewer -------------------------------------------------------------

HttpStreamViewer::HttpStreamViewer(std::uint16_t port) : HttpStreamViewer(port, Options{}) {}

HttpStreamViewer::HttpStreamViewer(std::uint16_t port, Options options) : options_(std::move(options)) {
    fd_ = connect_loopback(port, options_.receive_buffer_bytes, options_.source_address);
    sockaddr_in local{};
    socklen_t length = sizeof local;
    if (getsockname(fd_, reinterpret_cast<sockaddr*>(&local), &length) == 0) local_port_ = ntohs(local.sin_port);
    const auto request = "GET " + options_.target + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                         "\r\nUser-Agent: camstream-tests\r\n\r\n";
    if (!send_all(fd_, request)) throw std::runtime_error("could not send GET " + options_.target);
}

HttpStreamViewer::~HttpStreamViewer() {
    if (fd_ >= 0) close(fd_);
}

bool HttpStreamViewer::read_available() {
    if (ended()) return false;
    std::array<char, 64 * 1024> chunk{};
    for (int round = 0; round < 16; ++round) {
        const auto got = ::recv(fd_, chunk.data(), chunk.size(), 0);
        if (got < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
            ending_ = HttpEnding::reset;
            return false;
        }
        if (got == 0) {
            ending_ = HttpEnding::closed;
            return false;
        }
        bytes_received_ += static_cast<std::uint64_t>(got);
        buffer_.append(chunk.data(), static_cast<std::size_t>(got));
        parse();
        if (!format_error_.empty()) return false;
    }
    return true;
}

void HttpStreamViewer::fail(std::string what) {
    if (format_error_.empty()) format_error_ = std::move(what);
}

bool HttpStreamViewer::parse_part_headers(std::string_view head) {
    std::vector<std::pair<std::string, std::string>> headers;
    if (!parse_header_lines(head, headers)) {
        fail("malformed part header: " + std::string(head.substr(0, 200)));
        return false;
    }
    HttpResponse part;  // for its case-insensitive look-up
    part.headers = std::move(headers);
    const auto type = part.header("Content-Type");
    const auto length = part.header("Content-Length");
    const auto timestamp = part.header("X-Timestamp");
    const auto sequence = part.header("X-Sequence");
    if (type != "image/jpeg") {
        fail("part Content-Type is not image/jpeg: " + std::string(head.substr(0, 200)));
        return false;
    }
    const auto length_value = length ? parse_unsigned(*length) : std::nullopt;
    const auto timestamp_value = timestamp ? parse_timestamp(*timestamp) : std::nullopt;
    const auto sequence_value = sequence ? parse_unsigned(*sequence) : std::nullopt;
    if (!length_value || !timestamp_value || !sequence_value) {
        fail("part lacks a valid Content-Length, X-Timestamp (SECONDS.MICROSECONDS) or X-Sequence: " +
             std::string(head.substr(0, 200)));
        return false;
    }
    part_ = ReceivedFrame{};
    part_.sequence = *sequence_value;
    part_.timestamp_us = *timestamp_value;
    part_.payload_size = static_cast<std::uint32_t>(*length_value);
    return true;
}

void HttpStreamViewer::parse() {
    for (;;) {
        const std::string_view rest = std::string_view(buffer_).substr(consumed_);
        if (state_ == State::response_head) {
            const auto end = rest.find("\r\n\r\n");
            if (end == std::string_view::npos) break;
            response_ = parse_response_head(rest.substr(0, end));
            consumed_ += end + 4;
            if (!response_) {
                fail("malformed response head: " + std::string(rest.substr(0, std::min<std::size_t>(end, 200))));
                return;
            }
            state_ = response_->status == 200 ? State::first_boundary : State::error_body;
            continue;
        }
        if (state_ == State::error_body || state_ == State::finished) {
            // A refusal's text body, or bytes after the closing boundary: kept, not parsed.
            if (state_ == State::finished && !rest.empty()) fail("bytes after the closing boundary");
            break;
        }
        if (state_ == State::first_boundary) {
            if (rest.size() < kBoundaryLine.size()) {
                if (kBoundaryLine.substr(0, rest.size()) != rest) fail("the body does not start with the boundary");
                break;
            }
            if (rest.substr(0, kBoundaryLine.size()) != kBoundaryLine) {
                fail("the body does not start with \"--camstreamframe\\r\\n\": " + std::string(rest.substr(0, 40)));
                return;
            }
            consumed_ += kBoundaryLine.size();
            state_ = State::part_headers;
            continue;
        }
        if (state_ == State::part_headers) {
            const auto end = rest.find("\r\n\r\n");
            if (end == std::string_view::npos) {
                if (rest.size() > 4096) fail("part headers longer than 4 KiB");
                break;
            }
            if (!parse_part_headers(rest.substr(0, end))) return;
            consumed_ += end + 4;
            state_ = State::part_body;
            continue;
        }
        // part_body: the JPEG, then "\r\n--camstreamframe" and "\r\n" (another
        // part follows) or "--" (the closing boundary).
        const std::size_t length = part_.payload_size;
        if (rest.size() < length + kPartEnd.size() + 2) break;
        const auto payload = rest.substr(0, length);
        if (rest.substr(length, kPartEnd.size()) != kPartEnd) {
            fail("part of seq " + std::to_string(part_.sequence) + " is not followed by \\r\\n--camstreamframe");
            return;
        }
        const auto after = rest.substr(length + kPartEnd.size(), 2);
        if (after != "\r\n" && after != "--") {
            fail("the boundary is followed by neither \\r\\n nor --");
            return;
        }
        const std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(payload.data()),
                                                  payload.size());
        part_.valid_jpeg = is_complete_jpeg(bytes);
        part_.payload_digest = payload_digest(bytes);
        part_.received_at = Clock::now();
        frames_.push_back(part_);
        if (options_.keep_payloads) payloads_.emplace_back(bytes.begin(), bytes.end());
        consumed_ += length + kPartEnd.size() + 2;
        state_ = after == "--" ? State::finished : State::part_headers;
    }
    // Drop what has been parsed once it is a good share of the buffer.
    if (consumed_ > 256 * 1024 || consumed_ == buffer_.size()) {
        buffer_.erase(0, consumed_);
        consumed_ = 0;
    }
}

bool HttpStreamViewer::at_part_boundary() const {
    return format_error_.empty() && consumed_ == buffer_.size() &&
           (state_ == State::part_headers || state_ == State::finished);
}

std::size_t HttpStreamViewer::frames_between(Clock::time_point from, Clock::time_point to) const {
    return static_cast<std::size_t>(std::count_if(frames_.begin(), frames_.end(), [&](const auto& frame) {
        return frame.received_at >= from && frame.received_at < to;
    }));
}

std::string HttpStreamViewer::summary() const {
    std::ostringstream out;
    out << "http viewer 127.0.0.1:" << local_port_ << " " << options_.target << ": ";
    if (response_) {
        out << "status " << response_->status;
        if (const auto type = response_->header("Content-Type")) out << " (" << *type << ")";
    } else {
        out << "no response";
    }
    out << ", " << frames_.size() << " frames";
    if (!frames_.empty()) out << " (seq " << frames_.front().sequence << ".." << frames_.back().sequence << ")";
    out << ", " << bytes_received_ << " bytes, " << to_string(ending_);
    if (!format_error_.empty()) out << ", format error: " << format_error_;
    if (state_ == State::error_body) out << ", body: " << buffer_.substr(consumed_, 200);
    return out.str();
}

bool pump_until(std::span<TestClient* const> tcp_viewers, std::span<HttpStreamViewer* const> http_viewers,
                const std::function<bool()>& done, Duration timeout) {
    const auto deadline = Clock::now() + timeout;
    std::vector<pollfd> entries;
    for (;;) {
        if (done()) return true;
        if (Clock::now() >= deadline) return done();
        entries.clear();
        for (auto* viewer : tcp_viewers) {
            if (!viewer->ended()) entries.push_back({viewer->fd(), POLLIN, 0});
        }
        for (auto* viewer : http_viewers) {
            if (!viewer->ended()) entries.push_back({viewer->fd(), POLLIN, 0});
        }
        if (entries.empty()) {
            std::this_thread::sleep_for(Duration(milliseconds_until(deadline, 50)));
            continue;
        }
        const int ready = poll(entries.data(), entries.size(), milliseconds_until(deadline, 50));
        if (ready < 0 && errno != EINTR) throw_errno("poll");
        if (ready <= 0) continue;
        std::size_t index = 0;
        for (auto* viewer : tcp_viewers) {
            if (viewer->ended()) continue;
            if (entries[index++].revents != 0) viewer->read_available();
        }
        for (auto* viewer : http_viewers) {
            if (viewer->ended()) continue;
            if (entries[index++].revents != 0) viewer->read_available();
        }
    }
}

void pump_for(std::span<TestClient* const> tcp_viewers, std::span<HttpStreamViewer* const> http_viewers,
              Duration duration) {
    pump_until(tcp_viewers, http_viewers, [] { return false; }, duration);
}

}  // namespace camstream::test
