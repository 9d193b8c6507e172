// The registry of viewer protocols: the one place a new protocol is added.
#include "http_viewer_protocol.hpp"
#include "tcp_viewer_protocol.hpp"
#include "viewer_protocol.hpp"

namespace camstream::bench {

std::string_view protocol_name(ProtocolKind kind) {
    switch (kind) {
        case ProtocolKind::tcp:
            return "tcp";
        case ProtocolKind::http_mjpeg:
            return "http";
    }
    return "?";
}

std::unique_ptr<ViewerProtocol> make_viewer_protocol(ProtocolKind kind, std::string credential, bool audio) {
    switch (kind) {
        case ProtocolKind::tcp:
            return std::make_unique<TcpViewerProtocol>(std::move(credential), audio);
        case ProtocolKind::http_mjpeg:
            return std::make_unique<HttpViewerProtocol>(std::move(credential));
    }
    return nullptr;
}

}  // namespace camstream::bench
