// RequestReader: see request_reader.hpp.
#include "http/request_reader.hpp"

#include <algorithm>
#include <climits>

namespace camstream {
namespace {

RequestReader& reader_of(http_parser* parser) { return *static_cast<RequestReader*>(parser->data); }

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

std::optional<std::string_view> HttpRequest::header(std::string_view lower_case_name) const {
    for (const auto& [name, value] : headers) {
        if (name == lower_case_name) return value;
    }
    return std::nullopt;
}

std::optional<std::string_view> HttpRequest::query_value(std::string_view key) const {
    std::string_view rest = query;
    while (!rest.empty()) {
        const auto amp = rest.find('&');
        const auto pair = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
        const auto equals = pair.find('=');
        if (pair.substr(0, equals) != key) continue;
        return equals == std::string_view::npos ? std::string_view{} : pair.substr(equals + 1);
    }
    return std::nullopt;
}

RequestReader::RequestReader(RequestLimits limits) : limits_(limits) {
    http_parser_settings_init(&settings_);
    settings_.on_url = &RequestReader::on_url;
    settings_.on_header_field = &RequestReader::on_header_field;
    settings_.on_header_value = &RequestReader::on_header_value;
    settings_.on_headers_complete = &RequestReader::on_headers_complete;
    next();
}

void RequestReader::next() {
    http_parser_init(&parser_, HTTP_REQUEST);
    parser_.data = this;
    request_ = HttpRequest{};
    error_ = RequestError{};
    consumed_ = 0;
    in_header_value_ = false;
    complete_ = false;
    failed_ = false;
}

bool RequestReader::fail(int status, std::string reason) {
    if (!failed_) error_ = RequestError{status, std::move(reason)};
    failed_ = true;
    return false;
}

int RequestReader::on_url(http_parser* parser, const char* at, std::size_t length) {
    reader_of(parser).request_.target.append(at, length);
    return 0;
}

int RequestReader::on_header_field(http_parser* parser, const char* at, std::size_t length) {
    auto& reader = reader_of(parser);
    auto& headers = reader.request_.headers;
    // A field arrives in pieces when it straddles two reads: a new one starts after a value.
    if (headers.empty() || reader.in_header_value_) {
        headers.emplace_back();
        reader.in_header_value_ = false;
    }
    std::transform(at, at + length, std::back_inserter(headers.back().first), lower);
    return 0;
}

int RequestReader::on_header_value(http_parser* parser, const char* at, std::size_t length) {
    auto& reader = reader_of(parser);
    // Counted once a name is whole: where the parser calls back depends on
    // how the bytes arrived, and the answer to a request must not.
    if (!reader.in_header_value_ && static_cast<int>(reader.request_.headers.size()) > reader.limits_.max_headers) {
        reader.fail(431, "more than " + std::to_string(reader.limits_.max_headers) + " header lines");
        return 1;
    }
    reader.in_header_value_ = true;
    reader.request_.headers.back().second.append(at, length);
    return 0;
}

int RequestReader::on_headers_complete(http_parser* parser) {
    auto& reader = reader_of(parser);
    // camstreamd takes no request bodies: it would have to read and bound them for nothing.
    const bool has_length = parser->content_length != 0 && parser->content_length != ULLONG_MAX;
    if ((parser->flags & F_CHUNKED) != 0 || parser->uses_transfer_encoding != 0 || has_length) {
        reader.fail(413, "a request body was sent; camstreamd takes none");
        return 1;
    }
    reader.complete_ = true;
    // Stop here: the next bytes belong to the next request, read after this one is answered.
    http_parser_pause(parser, 1);
    return 0;
}

bool RequestReader::finish_request() {
    auto& request = request_;
    request.method_name = http_method_str(static_cast<http_method>(parser_.method));
    request.method = parser_.method == HTTP_GET    ? HttpRequest::Method::get
                     : parser_.method == HTTP_HEAD ? HttpRequest::Method::head
                                                   : HttpRequest::Method::other;
    request.keep_alive = http_should_keep_alive(&parser_) != 0;
    http_parser_url url{};
    http_parser_url_init(&url);
    if (http_parser_parse_url(request.target.data(), request.target.size(), 0, &url) != 0) {
        return fail(400, "the request target is not a URL");
    }
    const auto part = [&](int field) {
        if ((url.field_set & (1u << field)) == 0) return std::string();
        return request.target.substr(url.field_data[field].off, url.field_data[field].len);
    };
    // An absolute-form target ("http://host") may have no path: it means "/".
    // (Built, not assigned from "/": GCC 12 at -O3 warns falsely there, -Wrestrict, its bug 105329.)
    request.path = (url.field_set & (1u << UF_PATH)) != 0 ? part(UF_PATH) : std::string(1, '/');
    request.query = part(UF_QUERY);
    return true;
}

RequestReader::Status RequestReader::feed(std::span<const std::uint8_t>& input) {
    if (failed_) return Status::error;
    // http_parser takes an empty read as the end of the connection.
    if (input.empty()) return Status::need_more;
    // Empty lines before a request are ignored (RFC 9112 2.2); they start
    // nothing, so they do not start a request's clock either.
    if (consumed_ == 0) {
        while (!input.empty() && (input.front() == '\r' || input.front() == '\n')) input = input.subspan(1);
        if (input.empty()) return Status::need_more;
    }
    // Never parse past the limit: a request that has not ended by then is refused.
    const std::size_t room = limits_.max_header_bytes + 1 - std::min(consumed_, limits_.max_header_bytes);
    const auto chunk = input.first(std::min(input.size(), room));
    const auto parsed = http_parser_execute(&parser_, &settings_, reinterpret_cast<const char*>(chunk.data()),
                                            chunk.size());
    consumed_ += parsed;
    input = input.subspan(parsed);
    const auto error = HTTP_PARSER_ERRNO(&parser_);
    if (failed_) return Status::error;
    if (complete_ && error == HPE_PAUSED) {
        // http_parser stops before the LF that ends the headers' blank line.
        if (!input.empty() && input.front() == '\n') input = input.subspan(1);
        if (consumed_ > limits_.max_header_bytes) {
            fail(431, "request line and headers exceed " + std::to_string(limits_.max_header_bytes) + " bytes");
            return Status::error;
        }
        return finish_request() ? Status::request : Status::error;
    }
    if (error != HPE_OK) {
        fail(400, std::string("malformed request: ") + http_errno_description(error));
        return Status::error;
    }
    if (consumed_ > limits_.max_header_bytes) {
        // Still inside the request line: the URL is what is too long.
        if (request_.headers.empty()) {
            fail(414, "the request line exceeds " + std::to_string(limits_.max_header_bytes) + " bytes");
        } else {
            fail(431, "request line and headers exceed " + std::to_string(limits_.max_header_bytes) + " bytes");
        }
        return Status::error;
    }
    return Status::need_more;
}

}  // namespace camstream
