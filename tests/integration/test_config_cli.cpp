// Integration: camstreamd's configuration as a user meets it, file and command
// line together: --set values typed unquoted, a --set into an empty section,
// control characters refused, a file that is not a map. --check-config runs
// the whole load and exits, so no daemon is left running.
#include "support/child_process.hpp"

#include <doctest/doctest.h>

#include <fstream>

using namespace camstream::test;
using namespace std::chrono_literals;

namespace {

const std::string kDemoConfig = std::string(CAMSTREAM_SOURCE_DIR) + "/config/demo.yaml";

void write_text(const std::filesystem::path& path, const std::string& text) {
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file << text;
}

// camstreamd ARGUMENTS... --check-config
ProcessResult check_config(const std::vector<std::string>& arguments) {
    std::vector<std::string> argv{CAMSTREAMD_PATH};
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    argv.push_back("--check-config");
    return run_process(argv, 20s);
}

}  // namespace

TEST_CASE("config: camstreamd --set takes server.listen=[IPv6]:PORT unquoted, as the README writes it") {
    const auto result = check_config({"--config", kDemoConfig, "--set", "server.listen=[::1]:10050"});
    INFO(result.stdout_text << result.stderr_text);
    CHECK(result.status.exited_with(0));
    CHECK(result.stdout_text.find("  listen: \"[::1]:10050\"\n") != std::string::npos);
}

TEST_CASE("config: camstreamd --set fills an empty source: section of the file") {
    TempDir dir("config-cli");
    const auto config = dir.path() / "empty-section.yaml";
    write_text(config, "source:\nserver:\n  listen: 127.0.0.1:0\n");
    const auto result = check_config({"--config", config.string(), "--set", "source.fps=15"});
    INFO(result.stdout_text << result.stderr_text);
    CHECK(result.status.exited_with(0));
    CHECK(result.stdout_text.find("  fps: 15\n") != std::string::npos);
}

TEST_CASE("config: camstreamd refuses a NUL in server.listen and source.uri, at its line and column") {
    TempDir dir("config-cli");
    const auto config = dir.path() / "nul.yaml";
    write_text(config, "source:\n  uri: \"file:\\0/srv\"\nserver:\n  listen: \"127.0.0.1\\0::10050\"\n");
    const auto file = check_config({"--config", config.string()});
    INFO(file.stderr_text);
    CHECK(file.status.exited_with(1));
    CHECK(file.stderr_text.find(config.string() + ":2:8: 'source.uri' contains the control character \\x00") !=
          std::string::npos);
    CHECK(file.stderr_text.find(config.string() + ":4:11: 'server.listen' contains the control character \\x00") !=
          std::string::npos);

    const auto set = check_config({"--config", kDemoConfig, "--set", "server.listen=\"127.0.0.1\\0::10050\""});
    INFO(set.stderr_text);
    CHECK(set.status.exited_with(1));
    CHECK(set.stderr_text.find("--set server.listen=\"127.0.0.1\\0::10050\": 'server.listen' contains the control "
                               "character \\x00") != std::string::npos);
}

TEST_CASE("config: camstreamd refuses a file that is not a map, at its line and column") {
    TempDir dir("config-cli");
    const auto config = dir.path() / "number.yaml";
    write_text(config, "42\n");
    const auto result = check_config({"--config", config.string()});
    INFO(result.stderr_text);
    CHECK(result.status.exited_with(1));
    CHECK(result.stderr_text.find(config.string() + ":1:1: the configuration must be a map of sections, not a "
                                                    "single value\n") != std::string::npos);
}
