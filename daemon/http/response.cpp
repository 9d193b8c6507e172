// HTTP responses: see response.hpp.
#include "http/response.hpp"

#include "version.hpp"

#include <cstdint>

namespace camstream {

std::string_view status_text(int status) {
    switch (status) {
        case 200: return "OK";
        case 400: return "Bad Request";
        case 401: return "Unauthorized";
        case 403: return "Forbidden";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 408: return "Request Timeout";
        case 413: return "Content Too Large";
        case 414: return "URI Too Long";
        case 429: return "Too Many Requests";
        case 431: return "Request Header Fields Too Large";
        case 500: return "Internal Server Error";
        case 503: return "Service Unavailable";
        default: return "Unknown";
    }
}

std::string response_head(const Response& response, std::size_t content_length) {
    std::string head = "HTTP/1.1 " + std::to_string(response.status) + " " + std::string(status_text(response.status)) +
                       "\r\nServer: camstreamd " + kVersion + "\r\nContent-Type: " + response.content_type +
                       "\r\nContent-Length: " + std::to_string(content_length) + "\r\n";
    if (response.no_store) head += "Cache-Control: no-store\r\n";
    for (const auto& header : response.extra_headers) head += header + "\r\n";
    head += response.keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
    return head;
}

std::vector<std::uint8_t> response_bytes(const Response& response, bool head_only) {
    auto text = response_head(response, response.body.size());
    if (!head_only) text += response.body;
    return {text.begin(), text.end()};
}

Response text_response(int status, std::string_view reason) {
    Response response;
    response.status = status;
    response.body = std::to_string(status) + " " + std::string(status_text(status));
    if (!reason.empty()) response.body += ": " + std::string(reason);
    response.body += "\n";
    return response;
}

}  // namespace camstream
