// HttpProtocol: camstreamd over HTTP/1.1, for browsers, VLC, ffmpeg, Home
// Assistant and NVRs: /stream (multipart MJPEG), /audio (live Ogg/Opus),
// /snapshot.jpg, /healthz, /metrics and a live page at /. A stream is a viewer
// like any other (same outbox, queue, stall rule, counters); each frame is
// framed once as a multipart part, and each audio packet once as an Ogg page,
// for every HTTP viewer. Requests are read by http_session.hpp.
#pragma once

#include "config/settings.hpp"
#include "http/ogg_opus.hpp"
#include "hub/viewer_protocol.hpp"

#include <cstdint>
#include <memory>

namespace camstream {

class Health;

// The multipart boundary of /stream.
inline constexpr std::string_view kStreamBoundary = "camstreamframe";

class HttpProtocol final : public ViewerProtocol {
public:
    // started_us: when the daemon started (for /metrics).
    HttpProtocol(const HttpSettings& settings, const Health& health, std::int64_t started_us)
        : settings_(settings), health_(health), started_us_(started_us) {}

    // Live reload of limits and timeouts; connections read them at each use.
    void apply(const HttpSettings& settings) { settings_ = settings; }
    const HttpSettings& settings() const { return settings_; }
    const Health& health() const { return health_; }
    std::int64_t started_us() const { return started_us_; }
    // The response head of /stream and the first boundary: what an admitted stream is sent first.
    static Bytes stream_head();
    // The daemon has audio of this many channels: /audio serves it.
    void set_audio(int channels, int pre_skip) { ogg_ = std::make_unique<OggOpusStream>(channels, pre_skip); }
    bool has_audio() const { return ogg_ != nullptr; }
    // The response head of /audio and the Ogg header pages: what an admitted listener is sent first.
    Bytes audio_head() const;

    std::string_view name() const override { return "http"; }
    std::unique_ptr<ProtocolSession> open_session() override;
    Bytes refusal(Rejection why, std::string_view detail) const override;
    FramedPtr frame(const FramePtr& frame) override;
    FramedPtr audio(const FramePtr& packet) override;

private:
    HttpSettings settings_;
    const Health& health_;
    std::int64_t started_us_;
    std::unique_ptr<OggOpusStream> ogg_;
};

}  // namespace camstream
