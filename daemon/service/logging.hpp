// Logging set-up: spdlog to stderr with timestamps; level from the configuration.
#pragma once

#include <string>

namespace camstream {

// to_journal: log with journal priorities instead of to plain stderr.
void setup_logging(bool to_journal);
// Returns false when the level name is unknown.
bool set_log_level(const std::string& level);

}  // namespace camstream
