// TcpViewerProtocol: a camstream wire-protocol viewer built on the project's own
// decoder (protocol/), so the load generator measures the protocol viewers speak.
#pragma once

#include "decoder.hpp"
#include "viewer_protocol.hpp"

#include <string>
#include <utility>

namespace camstream::bench {

class TcpViewerProtocol final : public ViewerProtocol {
public:
    // `token`: what the hello's token field carries (a token or a ticket; empty:
    // none); `audio`: the hello asks for audio.
    explicit TcpViewerProtocol(std::string token = {}, bool audio = false) : token_(std::move(token)), audio_(audio) {}

    ProtocolKind kind() const override { return ProtocolKind::tcp; }
    std::vector<std::uint8_t> opening_request() const override;
    bool feed(std::span<const std::uint8_t> bytes, ViewerEvents& events) override;
    const std::string& error_text() const override { return error_text_; }

private:
    std::string token_;
    bool audio_;
    // Payloads are counted, never stored: a thousand viewers would otherwise
    // hold a thousand copies of every frame.
    wire::StreamDecoder decoder_{false};
    std::string error_text_;
};

}  // namespace camstream::bench
