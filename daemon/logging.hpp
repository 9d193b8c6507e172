// Logging set-up: spdlog to stderr with timestamps; level from the configuration.
#pragma once

#include <string>

namespace camstream {

void setup_logging();
// Returns false when the level name is unknown.
bool set_log_level(const std::string& level);

}  // namespace camstream
