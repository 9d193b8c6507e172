// Running camview (the real viewer binary) from the integration tests, and reading
// the JSON lines it prints in headless mode.
#pragma once

#include "support/child_process.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace camstream::test {

// Runs `camview ARGS...` to completion (killed after `timeout`), capturing stdout and stderr.
ProcessResult run_camview(const std::vector<std::string>& args, Duration timeout,
                          const std::vector<std::string>& extra_env = {});

// Starts `camview ARGS...` in the background; its stdout and stderr go to `log_path`.
std::unique_ptr<ChildProcess> start_camview(const std::vector<std::string>& args,
                                            const std::filesystem::path& log_path,
                                            const std::vector<std::string>& extra_env = {});

// The raw value of a top-level "key": value pair in a one-line JSON object:
// a string without its quotes, or a number / literal as written. Minimal on purpose:
// camview's lines are flat objects.
std::optional<std::string> json_field(std::string_view line, std::string_view key);
bool looks_like_json_object(std::string_view line);

}  // namespace camstream::test
