// HTTP responses as bytes: a status line, the headers every response of
// camstreamd carries, and a body. What each endpoint answers is http_session.cpp's.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace camstream {

struct Response {
    int status = 200;
    std::string content_type = "text/plain; charset=utf-8";
    std::string body;
    std::vector<std::string> extra_headers;  // "Allow: GET, HEAD", without CRLF
    bool no_store = false;                   // Cache-Control: no-store (live data)
    bool keep_alive = true;
};

std::string_view status_text(int status);
// The status line and headers, Content-Length included, and the blank line.
std::string response_head(const Response& response, std::size_t content_length);
// The whole response; without the body for a HEAD request.
std::vector<std::uint8_t> response_bytes(const Response& response, bool head_only);
// A short plain-text response for a status: "404 Not Found\n" plus the reason.
Response text_response(int status, std::string_view reason = {});

}  // namespace camstream
