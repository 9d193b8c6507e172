// HttpViewerProtocol and MultipartReader: see http_viewer_protocol.hpp.
#include "http_viewer_protocol.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>
#include <limits>

namespace camstream::bench {
namespace {

// Bounds on what a server can make one viewer hold, far above what camstreamd sends.
constexpr std::size_t kMaxPartHeaderLine = 1024;
constexpr int kMaxPartHeaderLines = 32;
constexpr std::size_t kMaxResponseHeader = 4096;  // one name or one value
constexpr std::size_t kMaxRefusalText = 200;

bool same_letters(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

std::size_t find_letters(std::string_view text, std::string_view word) {
    for (std::size_t at = 0; at + word.size() <= text.size(); ++at) {
        if (same_letters(text.substr(at, word.size()), word)) return at;
    }
    return std::string_view::npos;
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' || text.back() == '\n')) {
        text.remove_suffix(1);
    }
    return text;
}

std::optional<std::uint64_t> whole_number(std::string_view text) {
    std::uint64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return value;
}

// "SECONDS.MICROSECONDS" (the fraction 1 to 6 digits, or none) in µs.
std::optional<std::uint64_t> timestamp_us(std::string_view text) {
    const auto dot = text.find('.');
    const auto seconds = whole_number(text.substr(0, dot));
    if (!seconds || *seconds > std::numeric_limits<std::uint64_t>::max() / 1'000'000 - 1) return std::nullopt;
    std::uint64_t micros = 0;
    if (dot != std::string_view::npos) {
        const auto fraction = text.substr(dot + 1);
        const auto digits = whole_number(fraction);
        if (!digits || fraction.size() > 6) return std::nullopt;
        micros = *digits;
        for (auto places = fraction.size(); places < 6; ++places) micros *= 10;
    }
    return *seconds * 1'000'000 + micros;
}

// A header line quoted in an error, cut short.
std::string quoted(std::string_view text) {
    constexpr std::size_t kShown = 60;
    std::string out;
    out.reserve(kShown + 5);
    out.append(1, '"').append(text.substr(0, kShown)).append(text.size() > kShown ? "...\"" : "\"");
    return out;
}

}  // namespace

// --- MultipartReader -------------------------------------------------------------

MultipartReader::MultipartReader(std::string_view boundary) : delimiter_("\r\n--" + std::string(boundary)) {
    line_.reserve(128);
}

bool MultipartReader::fail(std::string why) {
    state_ = State::failed;
    error_text_ = std::move(why);
    return false;
}

bool MultipartReader::feed(std::span<const std::uint8_t> bytes, ViewerEvents& events) {
    const char* at = reinterpret_cast<const char*>(bytes.data());
    const char* const end = at + bytes.size();
    while (at < end) {
        switch (state_) {
            case State::payload: {
                // The JPEG itself: counted, not looked at.
                const auto taken = std::min<std::uint64_t>(payload_left_, static_cast<std::uint64_t>(end - at));
                at += taken;
                payload_left_ -= taken;
                if (payload_left_ == 0) end_of_part(events);
                break;
            }
            case State::delimiter:
                if (*at != delimiter_[matched_]) {
                    return fail(parts_ == 0 ? "the body does not start with the boundary " + quoted(delimiter_.substr(2))
                                            : "part " + std::to_string(parts_) + " is not followed by the boundary " +
                                                  quoted(delimiter_.substr(2)) + " (Content-Length wrong?)");
                }
                ++at;
                if (++matched_ == delimiter_.size()) {
                    state_ = State::delimiter_end;
                    delimiter_end_ = 0;
                }
                break;
            case State::delimiter_end: {
                const char byte = *at++;
                if (delimiter_end_ == 0 && (byte == '\r' || byte == '-')) {
                    delimiter_end_ = byte;
                } else if (delimiter_end_ == '\r' && byte == '\n') {
                    state_ = State::part_headers;
                    line_.clear();
                    header_lines_ = 0;
                    content_length_.reset();
                    sequence_.reset();
                    timestamp_us_.reset();
                } else if (delimiter_end_ == '-' && byte == '-') {
                    state_ = State::epilogue;
                    events.on_goodbye("closing boundary");
                } else {
                    return fail("the boundary after part " + std::to_string(parts_) +
                                " is followed by neither CRLF nor \"--\"");
                }
                break;
            }
            case State::part_headers: {
                const auto* newline = static_cast<const char*>(std::memchr(at, '\n', static_cast<std::size_t>(end - at)));
                const char* const stop = newline ? newline : end;
                if (line_.size() + static_cast<std::size_t>(stop - at) > kMaxPartHeaderLine) {
                    return fail("part " + std::to_string(parts_ + 1) + ": a header line longer than " +
                                std::to_string(kMaxPartHeaderLine) + " bytes");
                }
                line_.append(at, stop);
                at = stop;
                if (newline) {
                    ++at;
                    if (!take_header_line(events)) return false;
                }
                break;
            }
            case State::epilogue:
                return true;  // after the closing boundary: nothing more is a frame
            case State::failed:
                return false;
        }
    }
    return true;
}

bool MultipartReader::take_header_line(ViewerEvents& events) {
    const auto part = "part " + std::to_string(parts_ + 1) + ": ";
    if (line_.empty() || line_.back() != '\r') return fail(part + "a header line not ended by CRLF: " + quoted(line_));
    line_.pop_back();
    if (line_.empty()) return end_of_part_headers(events);
    if (++header_lines_ > kMaxPartHeaderLines) {
        return fail(part + "more than " + std::to_string(kMaxPartHeaderLines) + " header lines");
    }
    const std::string_view line(line_);
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return fail(part + "not a header: " + quoted(line));
    const auto name = line.substr(0, colon);
    const auto value = trim(line.substr(colon + 1));
    if (same_letters(name, "Content-Length")) {
        content_length_ = whole_number(value);
        if (!content_length_) return fail(part + "Content-Length is not a whole number: " + quoted(value));
    } else if (same_letters(name, "X-Sequence")) {
        sequence_ = whole_number(value);
        if (!sequence_) return fail(part + "X-Sequence is not a whole number: " + quoted(value));
    } else if (same_letters(name, "X-Timestamp")) {
        timestamp_us_ = timestamp_us(value);
        if (!timestamp_us_) return fail(part + "X-Timestamp is not SECONDS.MICROSECONDS: " + quoted(value));
    }
    line_.clear();
    return true;
}

bool MultipartReader::end_of_part_headers(ViewerEvents& events) {
    const auto part = "part " + std::to_string(parts_ + 1) + ": ";
    // Without a length the JPEG would have to be searched for the boundary; camstreamd always sends one.
    if (!content_length_) return fail(part + "no Content-Length");
    if (!sequence_) return fail(part + "no X-Sequence");
    if (!timestamp_us_) return fail(part + "no X-Timestamp");
    payload_left_ = *content_length_;
    state_ = State::payload;
    if (payload_left_ == 0) end_of_part(events);
    return true;
}

void MultipartReader::end_of_part(ViewerEvents& events) {
    ++parts_;
    state_ = State::delimiter;
    matched_ = 0;
    events.on_frame(*sequence_, *timestamp_us_);
}

// --- HttpViewerProtocol ---------------------------------------------------------

HttpViewerProtocol::HttpViewerProtocol(std::string bearer) : bearer_(std::move(bearer)) {
    http_parser_init(&parser_, HTTP_RESPONSE);
    parser_.data = this;
}

std::vector<std::uint8_t> HttpViewerProtocol::opening_request() const {
    // Uncapped (no ?fps=): the fan-out worst case, as the TCP viewer's hello.
    std::string request = "GET /stream HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    if (!bearer_.empty()) request += "Authorization: Bearer " + bearer_ + "\r\n";
    request += "\r\n";
    return {request.begin(), request.end()};
}

const http_parser_settings& HttpViewerProtocol::parser_settings() {
    static const http_parser_settings settings = [] {
        http_parser_settings s{};
        http_parser_settings_init(&s);
        s.on_header_field = &HttpViewerProtocol::on_header_field;
        s.on_header_value = &HttpViewerProtocol::on_header_value;
        s.on_headers_complete = &HttpViewerProtocol::on_headers_complete;
        s.on_body = &HttpViewerProtocol::on_body;
        s.on_message_complete = &HttpViewerProtocol::on_message_complete;
        return s;
    }();
    return settings;
}

bool HttpViewerProtocol::feed(std::span<const std::uint8_t> bytes, ViewerEvents& events) {
    if (done_) return true;
    if (!error_text_.empty()) return false;
    events_ = &events;
    http_parser_execute(&parser_, &parser_settings(), reinterpret_cast<const char*>(bytes.data()), bytes.size());
    events_ = nullptr;
    if (!error_text_.empty()) return false;  // a callback said why
    if (done_) return true;
    const auto error = static_cast<http_errno>(parser_.http_errno);
    if (error != HPE_OK) {
        error_text_ = std::string("malformed HTTP response: ") + http_errno_description(error);
        return false;
    }
    return true;
}

int HttpViewerProtocol::fail(std::string why) {
    error_text_ = std::move(why);
    return 1;  // stops http_parser_execute
}

int HttpViewerProtocol::on_header_field(http_parser* parser, const char* at, std::size_t length) {
    auto& self = *static_cast<HttpViewerProtocol*>(parser->data);
    if (self.reading_value_) self.take_header();
    if (self.field_.size() + length > kMaxResponseHeader) return self.fail("a response header name is too long");
    self.field_.append(at, length);
    return 0;
}

int HttpViewerProtocol::on_header_value(http_parser* parser, const char* at, std::size_t length) {
    auto& self = *static_cast<HttpViewerProtocol*>(parser->data);
    self.reading_value_ = true;
    if (self.value_.size() + length > kMaxResponseHeader) return self.fail("a response header value is too long");
    self.value_.append(at, length);
    return 0;
}

void HttpViewerProtocol::take_header() {
    if (same_letters(field_, "Content-Type")) content_type_ = value_;
    field_.clear();
    value_.clear();
    reading_value_ = false;
}

int HttpViewerProtocol::on_headers_complete(http_parser* parser) {
    auto& self = *static_cast<HttpViewerProtocol*>(parser->data);
    if (self.reading_value_) self.take_header();
    if (parser->status_code == 200) return self.start_stream();
    return 0;  // a refusal: its body says why, and on_message_complete reports it
}

int HttpViewerProtocol::start_stream() {
    const std::string_view type(content_type_);
    constexpr std::string_view multipart = "multipart/x-mixed-replace";
    const auto at = find_letters(type, "boundary=");
    if (!same_letters(type.substr(0, multipart.size()), multipart) || at == std::string_view::npos) {
        return fail("200 without a multipart boundary: Content-Type " + quoted(type));
    }
    auto boundary = type.substr(at + std::string_view("boundary=").size());
    boundary = trim(boundary.substr(0, boundary.find(';')));
    if (boundary.size() >= 2 && boundary.front() == '"' && boundary.back() == '"') {
        boundary = boundary.substr(1, boundary.size() - 2);
    }
    if (boundary.empty()) return fail("200 with an empty multipart boundary");
    multipart_.emplace(boundary);
    // HTTP announces no frame rate: the run's --source-fps stands in for it.
    events_->on_accepted(0);
    return 0;
}

int HttpViewerProtocol::on_body(http_parser* parser, const char* at, std::size_t length) {
    auto& self = *static_cast<HttpViewerProtocol*>(parser->data);
    if (self.multipart_) {
        const std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(at), length);
        if (!self.multipart_->feed(bytes, *self.events_)) return self.fail(self.multipart_->error_text());
        return 0;
    }
    self.refusal_.append(at, std::min(length, kMaxRefusalText - std::min(kMaxRefusalText, self.refusal_.size())));
    return 0;
}

int HttpViewerProtocol::on_message_complete(http_parser* parser) {
    auto& self = *static_cast<HttpViewerProtocol*>(parser->data);
    if (self.multipart_) return 0;  // a stream ends only with the connection
    // Any status but 200 is the server refusing this viewer; 503 with its reason
    // is camstreamd's (limits, the source lost), 408 a request that came too late.
    self.done_ = true;
    self.events_->on_rejected(std::to_string(parser->status_code) + " " + std::string(trim(self.refusal_)));
    return 0;
}

}  // namespace camstream::bench
