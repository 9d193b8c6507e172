// TcpViewerProtocol: see tcp_viewer_protocol.hpp.
#include "tcp_viewer_protocol.hpp"

#include "wire.hpp"

namespace camstream::bench {

std::vector<std::uint8_t> TcpViewerProtocol::opening_request() const {
    wire::ClientHello hello;  // uncapped: the fan-out worst case
    hello.token = token_;     // the run checked it fits wire::kMaxTokenLength (encode() would cut it)
    hello.audio = audio_;
    return wire::encode(hello);
}

bool TcpViewerProtocol::feed(std::span<const std::uint8_t> bytes, ViewerEvents& events) {
    while (!bytes.empty()) {
        switch (decoder_.next(bytes)) {
            case wire::DecodeStatus::need_more:
                return true;
            case wire::DecodeStatus::error:
                error_text_ = decoder_.error_text();
                return false;
            case wire::DecodeStatus::item:
                break;
        }
        if (decoder_.item_is_server_hello()) {
            const auto& hello = decoder_.server_hello();
            if (hello.accepted()) {
                events.on_accepted(static_cast<double>(hello.info.fps_milli) / 1000.0);
            } else {
                events.on_rejected(hello.reason_text);
            }
            continue;
        }
        const auto& header = decoder_.header();
        if (header.type == wire::MessageType::video_frame) {
            events.on_frame(header.sequence, header.timestamp_us);
        } else if (header.type == wire::MessageType::audio_packet) {
            events.on_audio_packet(header.sequence);
        } else if (header.type == wire::MessageType::goodbye) {
            events.on_goodbye("goodbye");
        }
        // Heartbeats and reserved types carry nothing the load generator measures.
    }
    return true;
}

}  // namespace camstream::bench
