// HttpViewerProtocol: a viewer of camstreamd's `GET /stream`, the
// multipart/x-mixed-replace stream of JPEG parts a browser's <img> reads.
//
// The response's status line and headers go through Node's http_parser, as the
// daemon's requests do. The body never ends: it is the multipart stream, which
// MultipartReader parses incrementally, bytes split anywhere. A part's headers
// are read a line at a time; its JPEG is counted down by Content-Length, never
// stored (a thousand viewers would otherwise hold a thousand copies of every
// frame), and its last byte is the frame's arrival.
#pragma once

#include "viewer_protocol.hpp"

#include <http_parser.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace camstream::bench {

// The body of a multipart/x-mixed-replace response (RFC 2046 section 5.1),
// as camstreamd sends it: no preamble, every part with Content-Length,
// X-Sequence and X-Timestamp (SECONDS.MICROSECONDS of the capture), CRLF line
// ends. It is strict on purpose: the benchmark doubles as a check of the
// daemon's framing, so anything else is an error that says where.
class MultipartReader {
public:
    // The boundary as the Content-Type names it (without the leading "--").
    explicit MultipartReader(std::string_view boundary);

    // Consumes body bytes; on_frame for each part whose last byte was in
    // them, on_goodbye at the closing boundary. False on a framing error.
    bool feed(std::span<const std::uint8_t> bytes, ViewerEvents& events);
    const std::string& error_text() const { return error_text_; }
    std::uint64_t parts() const { return parts_; }

private:
    enum class State { delimiter, delimiter_end, part_headers, payload, epilogue, failed };

    bool fail(std::string why);
    bool take_header_line(ViewerEvents& events);
    bool end_of_part_headers(ViewerEvents& events);
    void end_of_part(ViewerEvents& events);

    std::string delimiter_;    // "\r\n--" + boundary; the first one comes without the CRLF
    std::size_t matched_ = 2;  // bytes of delimiter_ matched so far
    char delimiter_end_ = 0;   // the first byte after a delimiter: '\r' (next part) or '-' (the last)
    State state_ = State::delimiter;
    std::string line_;  // a part header line being assembled (its capacity is reused)
    int header_lines_ = 0;
    std::optional<std::uint64_t> content_length_;
    std::optional<std::uint64_t> sequence_;
    std::optional<std::uint64_t> timestamp_us_;
    std::uint64_t payload_left_ = 0;
    std::uint64_t parts_ = 0;
    std::string error_text_;
};

class HttpViewerProtocol final : public ViewerProtocol {
public:
    // `bearer`: sent as `Authorization: Bearer BEARER` (a token or a ticket; empty: no header).
    explicit HttpViewerProtocol(std::string bearer = {});

    ProtocolKind kind() const override { return ProtocolKind::http_mjpeg; }
    std::vector<std::uint8_t> opening_request() const override;
    bool feed(std::span<const std::uint8_t> bytes, ViewerEvents& events) override;
    const std::string& error_text() const override { return error_text_; }

private:
    static int on_header_field(http_parser* parser, const char* at, std::size_t length);
    static int on_header_value(http_parser* parser, const char* at, std::size_t length);
    static int on_headers_complete(http_parser* parser);
    static int on_body(http_parser* parser, const char* at, std::size_t length);
    static int on_message_complete(http_parser* parser);
    static const http_parser_settings& parser_settings();

    void take_header();
    int start_stream();
    int fail(std::string why);

    std::string bearer_;
    http_parser parser_{};
    ViewerEvents* events_ = nullptr;  // set for the duration of feed()
    // The response's header being read; only Content-Type is kept.
    std::string field_;
    std::string value_;
    bool reading_value_ = false;
    std::string content_type_;
    std::optional<MultipartReader> multipart_;  // once a 200 arrived
    std::string refusal_;                       // the body of any other status, bounded
    bool done_ = false;                         // refused: the rest is not ours to read
    std::string error_text_;
};

}  // namespace camstream::bench
