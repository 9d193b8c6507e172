// The answer to GET /healthz: whether the camera is delivering, and a short
// JSON summary the live page (live_page.cpp) and monitoring read. Pure,
// socket-free: the HTTP server passes the clock in, and answers 200 when
// healthy, 503 otherwise, with `json` as the body either way.
#pragma once

#include "hub/health.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace camstream {

struct HealthReport {
    // The source is live, or still starting within its start-up grace (see
    // health_report.cpp for why that counts as healthy). A lost source, or one
    // that started and never delivered a frame within its grace, is not.
    bool healthy = false;
    // One JSON object: "status" is "ok", "starting" or "unhealthy"; when
    // unhealthy, "reason" says why in words.
    std::string json;
};

HealthReport health_report(const Health& health, std::int64_t now_us);

// `text` as a JSON string, quotes included: quote, backslash and control
// characters escaped, bytes that are not valid UTF-8 replaced by U+FFFD.
std::string json_string(std::string_view text);

}  // namespace camstream
