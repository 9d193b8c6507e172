// The registry of viewer protocols: the one place a new protocol is added.
#include "tcp_viewer_protocol.hpp"
#include "viewer_protocol.hpp"

namespace camstream::bench {

std::string_view protocol_name(ProtocolKind kind) {
    switch (kind) {
        case ProtocolKind::tcp:
            return "tcp";
    }
    return "?";
}

std::unique_ptr<ViewerProtocol> make_viewer_protocol(ProtocolKind kind) {
    switch (kind) {
        case ProtocolKind::tcp:
            return std::make_unique<TcpViewerProtocol>();
    }
    return nullptr;
}

}  // namespace camstream::bench
