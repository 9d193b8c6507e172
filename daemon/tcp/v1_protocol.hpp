// V1Protocol: camstream's own binary protocol over TCP, version 1
// (docs/PROTOCOL.md): a ClientHello in, a ServerHello out, then length-prefixed
// frames, heartbeats and a goodbye. This file is all the daemon knows of it.
#pragma once

#include "hub/viewer_protocol.hpp"
#include "wire.hpp"

namespace camstream {

class V1Protocol final : public ViewerProtocol {
public:
    explicit V1Protocol(const wire::StreamInfo& info) { set_stream_info(info); }

    // What new viewers are told about the stream (the source reopened). Its
    // audio fields go only to viewers that ask for audio: the others get the
    // version-1 reply, byte for byte.
    void set_stream_info(const wire::StreamInfo& info);
    const Bytes& accept_reply(bool audio) const { return audio ? accept_with_audio_ : accept_reply_; }

    std::string_view name() const override { return "tcp"; }
    std::unique_ptr<ProtocolSession> open_session() override;
    Bytes refusal(Rejection why, std::string_view detail) const override;
    FramedPtr frame(const FramePtr& frame) override;
    FramedPtr audio(const FramePtr& packet) override;

private:
    Bytes accept_reply_;
    Bytes accept_with_audio_;
};

}  // namespace camstream
