// Logging set-up: see logging.hpp.
#include "service/logging.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/sinks/systemd_sink.h>
#include <spdlog/spdlog.h>

namespace camstream {

void setup_logging(bool to_journal) {
    if (to_journal) {
        // The journal stamps time and unit itself; each line keeps its priority.
        spdlog::set_default_logger(spdlog::systemd_logger_mt("camstreamd", "camstreamd"));
        return;
    }
    auto logger = spdlog::stderr_logger_mt("camstreamd");
    logger->set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%l] %v");
    // Logs must reach a pipe or file promptly: operators and tests read them live.
    logger->flush_on(spdlog::level::trace);
    spdlog::set_default_logger(logger);
}

bool set_log_level(const std::string& level) {
    const auto parsed = spdlog::level::from_str(level);
    if (parsed == spdlog::level::off && level != "off") return false;
    spdlog::set_level(parsed);
    return true;
}

}  // namespace camstream
