// /healthz: see health_report.hpp.
#include "http/health_report.hpp"

#include <fmt/format.h>

#include <cmath>
#include <iterator>

namespace camstream {
namespace {

// The length of the valid UTF-8 sequence at the start of `text`, 0 if it is not one
// (overlong forms, surrogates and code points past U+10FFFF included).
std::size_t utf8_sequence_length(std::string_view text) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    const auto continuation = [&](std::size_t i) { return i < text.size() && (byte(i) & 0xC0) == 0x80; };
    const unsigned char lead = byte(0);
    if (lead < 0x80) return 1;
    if (lead >= 0xC2 && lead <= 0xDF) return continuation(1) ? 2 : 0;
    if (lead >= 0xE0 && lead <= 0xEF) {
        if (!continuation(1) || !continuation(2)) return 0;
        if (lead == 0xE0 && byte(1) < 0xA0) return 0;  // overlong
        if (lead == 0xED && byte(1) >= 0xA0) return 0;  // UTF-16 surrogate
        return 3;
    }
    if (lead >= 0xF0 && lead <= 0xF4) {
        if (!continuation(1) || !continuation(2) || !continuation(3)) return 0;
        if (lead == 0xF0 && byte(1) < 0x90) return 0;  // overlong
        if (lead == 0xF4 && byte(1) >= 0x90) return 0;  // past U+10FFFF
        return 4;
    }
    return 0;
}

std::string seconds_text(std::uint32_t milliseconds) {
    return fmt::format("{:.1f} s", static_cast<double>(milliseconds) / 1e3);
}

}  // namespace

std::string json_string(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 2);
    out += '"';
    while (!text.empty()) {
        const auto length = utf8_sequence_length(text);
        if (length == 0) {
            // A source description comes from a device or a file name: anything at all.
            out += "\\ufffd";
            text.remove_prefix(1);
            continue;
        }
        const char c = text[0];
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    fmt::format_to(std::back_inserter(out), "\\u{:04x}", static_cast<unsigned>(c));
                } else {
                    out.append(text.substr(0, length));
                }
        }
        text.remove_prefix(length);
    }
    out += '"';
    return out;
}

HealthReport health_report(const Health& health, std::int64_t now_us) {
    const auto state = health.source_state(now_us);
    const auto age_ms = health.last_frame_age_ms(now_us);

    // A source still starting is healthy while in its start-up grace (Health's,
    // ten seconds): a camera warming up after a daemon restart is not a fault,
    // and a health check that fails then would have systemd or a container
    // runtime restart the daemon in a loop. Past the grace it is a fault.
    HealthReport report;
    std::string status;
    std::string reason;
    switch (state) {
        case wire::SourceState::live:
            report.healthy = true;
            status = "ok";
            break;
        case wire::SourceState::starting:
            report.healthy = health.capture_alive(now_us);
            status = report.healthy ? "starting" : "unhealthy";
            if (!report.healthy) reason = "source starting: no frame within the start-up grace";
            break;
        case wire::SourceState::lost:
            status = "unhealthy";
            reason = age_ms ? "source lost: no frame for " + seconds_text(*age_ms) : "source lost: no frame yet";
            break;
    }

    const auto& source = health.source();
    auto& json = report.json;
    json = fmt::format(R"({{"status":{})", json_string(status));
    if (!reason.empty()) fmt::format_to(std::back_inserter(json), R"(,"reason":{})", json_string(reason));
    fmt::format_to(std::back_inserter(json), R"(,"source":{},"source_description":{},"width":{},"height":{})",
                   json_string(wire::to_string(state)), json_string(source.description), source.width, source.height);
    // JSON has no NaN or infinity.
    if (std::isfinite(source.fps)) fmt::format_to(std::back_inserter(json), R"(,"fps":{})", source.fps);
    else json += R"(,"fps":null)";
    if (age_ms) fmt::format_to(std::back_inserter(json), R"(,"last_frame_age_ms":{})", *age_ms);
    else json += R"(,"last_frame_age_ms":null)";
    fmt::format_to(std::back_inserter(json), R"(,"viewers":{},"viewers_by_protocol":{{)", health.viewers());
    bool first = true;
    for (const auto& protocol : health.protocols()) {
        fmt::format_to(std::back_inserter(json), R"({}{}:{})", first ? "" : ",", json_string(protocol.name),
                       protocol.viewers);
        first = false;
    }
    // The microphone does not make the camera unhealthy: it is reported beside it.
    fmt::format_to(std::back_inserter(json), R"(}},"frames_sent":{},"audio":{},"listeners":{}}})", health.frames_sent(),
                   json_string(wire::to_string(health.audio_state())), health.listeners());
    return report;
}

}  // namespace camstream
