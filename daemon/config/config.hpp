// Settings: camstreamd's configuration as plain data, loaded once from YAML
// (plus --set overrides) and validated strictly. Every error names where the
// bad value came from: FILE:LINE:COLUMN, or the --set argument.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace camstream {

using Duration = std::chrono::milliseconds;

struct SourceSettings {
    std::string uri = "testpattern";  // testpattern | file:PATH | testpattern:hang-after=DURATION
    int width = 1280;
    int height = 720;
    double fps = 30.0;
};

struct EncoderSettings {
    int jpeg_quality = 80;
};

struct ServerSettings {
    std::string listen = "0.0.0.0:10050";
    int max_viewers = 100;
    Duration hello_timeout{5000};
    int max_greeting_per_address = 8;
    int max_greeting = 128;
};

struct ViewerSettings {
    std::size_t queue_frames = 2;
    std::size_t queue_bytes = 8u << 20;
    std::size_t socket_send_buffer = 256u << 10;
    Duration stall_timeout{10000};
    Duration heartbeat_interval{1000};
};

struct LogSettings {
    std::string level = "info";
    Duration stats_interval{10000};
};

struct Settings {
    SourceSettings source;
    EncoderSettings encoder;
    ServerSettings server;
    ViewerSettings viewer;
    LogSettings log;
};

struct ConfigResult {
    Settings settings;
    std::vector<std::string> errors;
    bool ok() const { return errors.empty(); }
};

// overrides are "key.path=value" strings, applied on top of the file.
ConfigResult load_config_file(const std::string& path, const std::vector<std::string>& overrides);
ConfigResult parse_config(std::string_view yaml_text, const std::string& origin,
                          const std::vector<std::string>& overrides);

// The effective configuration as YAML, for --check-config.
std::string to_yaml(const Settings& settings);

// Value grammars, shared with the tests.
std::optional<Duration> parse_duration(std::string_view text);
// "testpattern:hang-after=3s": a test pattern whose grab() blocks forever after
// that long, as a hung camera read would (for testing the watchdog).
std::optional<Duration> test_pattern_hang_after(std::string_view uri);       // 500ms, 10s, 2m, 1h
std::optional<std::size_t> parse_byte_size(std::string_view text);   // 4096, 512KiB, 4MiB, 1GiB
struct ListenAddress {
    std::string host;
    int port = 0;
};
std::optional<ListenAddress> parse_listen_address(std::string_view text);  // 0.0.0.0:10050, [::1]:0

}  // namespace camstream
