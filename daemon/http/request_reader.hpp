// RequestReader: turns the bytes of one HTTP connection into requests, one at a
// time, with Node's http_parser (libhttp-parser) doing the parsing, and the
// limits that keep a hostile client from holding memory: a request's line and
// headers are bounded in bytes and in count, and camstreamd takes no bodies.
// Parsing stops at the end of each request, so pipelined requests wait their turn.
#pragma once

#include <http_parser.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace camstream {

struct RequestLimits {
    std::size_t max_header_bytes = 8u << 10;  // request line and headers
    int max_headers = 50;
};

struct HttpRequest {
    enum class Method { get, head, other };
    Method method = Method::other;
    std::string method_name;  // "GET", as sent
    std::string target;       // "/stream?fps=5", as sent
    std::string path;         // "/stream"
    std::string query;        // "fps=5"
    bool keep_alive = false;  // what the client asked for (HTTP/1.1 default, Connection: close)
    std::vector<std::pair<std::string, std::string>> headers;  // names in lower case

    std::optional<std::string_view> header(std::string_view lower_case_name) const;
    // The value of KEY in the query (KEY=VALUE&...), undecoded; nullopt when absent.
    std::optional<std::string_view> query_value(std::string_view key) const;
};

// Why a request was refused, with the status that says it.
struct RequestError {
    int status = 400;
    std::string reason;
};

class RequestReader {
public:
    enum class Status { need_more, request, error };

    explicit RequestReader(RequestLimits limits);
    RequestReader(const RequestReader&) = delete;
    RequestReader& operator=(const RequestReader&) = delete;

    // Parses from the front of `input` up to the end of one request, and
    // leaves `input` holding what follows it (a pipelined request).
    Status feed(std::span<const std::uint8_t>& input);
    const HttpRequest& request() const { return request_; }
    const RequestError& error() const { return error_; }
    // Some bytes of a request have arrived (and it is not complete yet).
    bool started() const { return consumed_ > 0 && !complete_; }
    // Forgets the request just read; ready for the next.
    void next();
    void set_limits(RequestLimits limits) { limits_ = limits; }

private:
    static int on_url(http_parser* parser, const char* at, std::size_t length);
    static int on_header_field(http_parser* parser, const char* at, std::size_t length);
    static int on_header_value(http_parser* parser, const char* at, std::size_t length);
    static int on_headers_complete(http_parser* parser);
    bool fail(int status, std::string reason);
    bool finish_request();

    RequestLimits limits_;
    http_parser parser_{};
    http_parser_settings settings_{};
    HttpRequest request_;
    RequestError error_;
    std::size_t consumed_ = 0;  // bytes of this request parsed so far
    bool in_header_value_ = false;
    bool complete_ = false;
    bool failed_ = false;
};

}  // namespace camstream
