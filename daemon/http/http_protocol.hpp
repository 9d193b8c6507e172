// HttpProtocol: camstreamd over HTTP/1.1, for browsers, VLC, ffmpeg, Home
// Assistant and NVRs: /stream (multipart MJPEG), /snapshot.jpg, /healthz,
// /metrics and a live page at /. A stream is a viewer like any other (same
// outbox, queue, stall rule, counters); each frame is framed once as a
// multipart part for every HTTP viewer. Requests are read by http_session.hpp.
#pragma once

#include "config/settings.hpp"
#include "hub/viewer_protocol.hpp"

#include <cstdint>

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

    std::string_view name() const override { return "http"; }
    std::unique_ptr<ProtocolSession> open_session() override;
    Bytes refusal(Rejection why, std::string_view detail) const override;
    FramedPtr frame(const FramePtr& frame) override;

private:
    HttpSettings settings_;
    const Health& health_;
    std::int64_t started_us_;
};

}  // namespace camstream
