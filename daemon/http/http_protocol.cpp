// HttpProtocol: see http_protocol.hpp.
#include "http/http_protocol.hpp"

#include "http/http_session.hpp"
#include "http/response.hpp"
#include "version.hpp"

#include <fmt/format.h>

namespace camstream {
namespace {

// After each frame, the boundary that ends it and opens the next part: Chromium
// shows a part only once the next boundary arrives, so sending it with the
// frame, not before the next one, keeps browsers from being a frame behind.
constexpr std::string_view kPartTail = "\r\n--camstreamframe\r\n";
static_assert(kPartTail.substr(4, kStreamBoundary.size()) == kStreamBoundary);

std::span<const std::uint8_t> part_tail() {
    return {reinterpret_cast<const std::uint8_t*>(kPartTail.data()), kPartTail.size()};
}

}  // namespace

Bytes HttpProtocol::stream_head() {
    const auto head = fmt::format(
        "HTTP/1.1 200 OK\r\nServer: camstreamd {}\r\n"
        "Content-Type: multipart/x-mixed-replace;boundary={}\r\n"
        "Cache-Control: no-store, no-cache, must-revalidate, max-age=0\r\nPragma: no-cache\r\n"
        "X-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n--{}\r\n",
        kVersion, kStreamBoundary, kStreamBoundary);
    return {head.begin(), head.end()};
}

Bytes HttpProtocol::audio_head() const {
    const auto head = fmt::format(
        "HTTP/1.1 200 OK\r\nServer: camstreamd {}\r\nContent-Type: audio/ogg; codecs=opus\r\n"
        "Cache-Control: no-store, no-cache, must-revalidate, max-age=0\r\nPragma: no-cache\r\n"
        "X-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n",
        kVersion);
    Bytes bytes(head.begin(), head.end());
    bytes.insert(bytes.end(), ogg_->header_pages().begin(), ogg_->header_pages().end());
    return bytes;
}

FramedPtr HttpProtocol::audio(const FramePtr& packet) {
    if (!ogg_) return nullptr;
    // The page replaces the bare packet as the payload: made once, shared by every listener.
    auto page = std::make_shared<Frame>(*packet);
    page->payload = std::make_shared<const std::vector<std::uint8_t>>(ogg_->page(*packet));
    return std::make_shared<const FramedMessage>(std::move(page), Bytes{}, std::span<const std::uint8_t>{},
                                                 FramedMessage::Pipe::none);
}

std::unique_ptr<ProtocolSession> HttpProtocol::open_session() { return std::make_unique<HttpSession>(*this); }

Bytes HttpProtocol::refusal(Rejection why, std::string_view detail) const {
    auto response = text_response(503, std::string(to_string(why)) + " (" + std::string(detail) + ")");
    response.extra_headers.emplace_back("Retry-After: 1");
    response.keep_alive = false;
    return response_bytes(response, false);
}

FramedPtr HttpProtocol::frame(const FramePtr& frame) {
    const auto captured = frame->times.captured_us;
    const auto head = fmt::format(
        "Content-Type: image/jpeg\r\nContent-Length: {}\r\nX-Timestamp: {}.{:06}\r\nX-Sequence: {}\r\n\r\n",
        frame->bytes().size(), captured / 1'000'000, captured % 1'000'000, frame->sequence);
    return std::make_shared<const FramedMessage>(frame, Bytes(head.begin(), head.end()), part_tail());
}

}  // namespace camstream
