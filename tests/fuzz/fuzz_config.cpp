// Fuzzes the configuration loader through its public entry point,
// parse_config(text, origin, overrides), the way camstreamd calls it for
// --config FILE plus --set arguments.
//
// Input: the YAML text. Every line of it that starts with "#set " is also one
// --set override (the rest of the line), so seeds stay readable YAML.
//
// Properties:
//  - no exception escapes;
//  - every error says where it comes from, in one of the forms config.hpp and
//    README.md document: "fuzz.yaml:LINE:COLUMN: ..." (LINE within the text),
//    "--set ARGUMENT: ..." for one of the overrides given, or "fuzz.yaml: ..."
//    for a file that is wrong as a whole (then it is the only error);
//  - an accepted configuration holds only values within the schema's ranges
//    (the rows of daemon/config/schema.cpp, as README.md documents them);
//  - the effective configuration printed by to_yaml() (what --check-config
//    shows) parses again, to the same settings and the same to_yaml() text;
//  - a valid --set applies on top of any file that loads: adding one (chosen
//    by the input) to an accepted configuration keeps it accepted, with the
//    value the --set gave and every other setting as it was.
#include <algorithm>
#include <charconv>
#include <exception>

#include "config/config.hpp"
#include "config/did_you_mean.hpp"
#include "fuzz_support.hpp"

using namespace camstream;
using namespace std::chrono_literals;

namespace {

const std::string kOrigin = "fuzz.yaml";

std::vector<std::string> overrides_in(std::string_view text) {
    constexpr std::string_view marker = "#set ";
    std::vector<std::string> overrides;
    std::size_t line_start = 0;
    while (line_start <= text.size()) {
        auto line_end = text.find('\n', line_start);
        if (line_end == std::string_view::npos) line_end = text.size();
        const auto line = text.substr(line_start, line_end - line_start);
        if (line.substr(0, marker.size()) == marker) {
            overrides.emplace_back(line.substr(marker.size()));
        }
        line_start = line_end + 1;
    }
    return overrides;
}

std::string all_errors(const ConfigResult& result) {
    std::string text;
    for (const auto& error : result.errors) text += "\n    " + error;
    return text;
}

ConfigResult parse_or_die(std::string_view text, const std::string& origin,
                          const std::vector<std::string>& overrides) {
    try {
        return parse_config(text, origin, overrides);
    } catch (const std::exception& e) {
        fuzz::fail(__FILE__, __LINE__,
                   std::string("parse_config let an exception escape: ") + e.what());
    } catch (...) {
        fuzz::fail(__FILE__, __LINE__, "parse_config let a non-standard exception escape");
    }
}

bool starts_with(std::string_view text, std::string_view prefix) {
    return text.substr(0, prefix.size()) == prefix;
}

// "123: rest" -> 123, and text advanced past the colon; 0 when there is no number.
std::size_t take_number(std::string_view& text) {
    std::size_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end == text.data() || end == text.data() + text.size() ||
        *end != ':') {
        return 0;
    }
    text.remove_prefix(static_cast<std::size_t>(end - text.data()) + 1);
    return value;
}

void check_error_locations(const ConfigResult& result, std::string_view text,
                           const std::vector<std::string>& overrides) {
    const auto lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
    for (const auto& error : result.errors) {
        std::string_view rest = error;
        bool located = false;
        if (starts_with(rest, kOrigin + ": ")) {
            // The whole file is wrong (not a map, say): nothing else is checked then.
            FUZZ_CHECK(result.errors.size() == 1,
                       "an error without line and column among others:" + all_errors(result));
            rest.remove_prefix(kOrigin.size() + 2);
            located = true;
        } else if (starts_with(rest, kOrigin + ":")) {
            rest.remove_prefix(kOrigin.size() + 1);
            const auto line = take_number(rest);
            const auto column = take_number(rest);
            FUZZ_CHECK(
                line >= 1 && column >= 1 && starts_with(rest, " "),
                "a location must read fuzz.yaml:LINE:COLUMN: with both from 1: '" + error + "'");
            FUZZ_CHECK(line <= lines, "line " + std::to_string(line) + " of a " +
                                          std::to_string(lines) + "-line text: '" + error + "'");
            rest.remove_prefix(1);
            located = true;
        } else {
            for (const auto& item : overrides) {
                // Named as the user sees it: control characters escaped.
                const auto prefix = "--set " + camstream::printable(item) + ": ";
                if (starts_with(rest, prefix)) {
                    rest.remove_prefix(prefix.size());
                    located = true;
                    break;
                }
            }
        }
        FUZZ_CHECK(located,
                   "an error that says neither file position nor --set argument: '" + error + "'");
        FUZZ_CHECK(!rest.empty(), "an error with a location and no message: '" + error + "'");
    }
}

// server.listen: HOST:PORT or [IPv6]:PORT, the port a plain decimal 0..65535.
bool valid_listen(const std::string& listen) {
    const auto colon = listen.rfind(':');
    if (colon == std::string::npos || colon == 0) return false;
    const auto port = std::string_view(listen).substr(colon + 1);
    if (port.empty() || port.size() > 5 ||
        !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return false;
    }
    return std::stoi(std::string(port)) <= 65535;
}

template <typename T>
void check_range(const char* key, T value, T min, T max) {
    FUZZ_CHECK(value >= min && value <= max, std::string(key) + " was accepted out of range");
}

void check_ranges(const Settings& s) {
    const auto& uri = s.source.uri;
    FUZZ_CHECK(uri == "testpattern" || (starts_with(uri, "file:") && uri.size() > 5) ||
                   starts_with(uri, "testpattern:hang-after="),
               "source.uri '" + uri + "' was accepted");
    check_range("source.width", s.source.width, 16, 7680);
    check_range("source.height", s.source.height, 16, 4320);
    check_range("source.fps", s.source.fps, 0.1, 240.0);
    check_range("encoder.jpeg_quality", s.encoder.jpeg_quality, 1, 100);
    FUZZ_CHECK(valid_listen(s.server.listen),
               "server.listen '" + s.server.listen + "' was accepted");
    check_range("server.max_viewers", s.server.max_viewers, 1, 100000);
    check_range("server.hello_timeout", s.server.hello_timeout, Duration(100ms), Duration(300s));
    check_range("server.max_greeting_per_address", s.server.max_greeting_per_address, 1, 10000);
    check_range("server.max_greeting", s.server.max_greeting, 1, 100000);
    check_range<std::size_t>("viewer.queue_frames", s.viewer.queue_frames, 1, 100);
    check_range<std::size_t>("viewer.queue_bytes", s.viewer.queue_bytes, 64u << 10, 1u << 30);
    check_range<std::size_t>("viewer.socket_send_buffer", s.viewer.socket_send_buffer, 16u << 10,
                             64u << 20);
    check_range("viewer.stall_timeout", s.viewer.stall_timeout, Duration(200ms), Duration(1h));
    check_range("viewer.heartbeat_interval", s.viewer.heartbeat_interval, Duration(100ms),
                Duration(60s));
    const std::vector<std::string> levels = {"trace", "debug",    "info", "warn",
                                             "error", "critical", "off"};
    FUZZ_CHECK(std::find(levels.begin(), levels.end(), s.log.level) != levels.end(),
               "log.level '" + s.log.level + "' was accepted");
    check_range("log.stats_interval", s.log.stats_interval, Duration(100ms), Duration(24h));
}

// The settings to_yaml() shows, compared field by field (to_yaml() could
// round a value and print the same text for two different settings).
std::string first_difference(const Settings& a, const Settings& b) {
    if (a.source.uri != b.source.uri)
        return "source.uri '" + a.source.uri + "' became '" + b.source.uri + "'";
    if (a.source.width != b.source.width) return "source.width";
    if (a.source.height != b.source.height) return "source.height";
    if (a.source.fps != b.source.fps) return "source.fps";
    if (a.encoder.jpeg_quality != b.encoder.jpeg_quality) return "encoder.jpeg_quality";
    if (a.server.listen != b.server.listen)
        return "server.listen '" + a.server.listen + "' became '" + b.server.listen + "'";
    if (a.server.max_viewers != b.server.max_viewers) return "server.max_viewers";
    if (a.server.hello_timeout != b.server.hello_timeout) return "server.hello_timeout";
    if (a.server.max_greeting_per_address != b.server.max_greeting_per_address)
        return "server.max_greeting_per_address";
    if (a.server.max_greeting != b.server.max_greeting) return "server.max_greeting";
    if (a.viewer.queue_frames != b.viewer.queue_frames) return "viewer.queue_frames";
    if (a.viewer.queue_bytes != b.viewer.queue_bytes) return "viewer.queue_bytes";
    if (a.viewer.socket_send_buffer != b.viewer.socket_send_buffer)
        return "viewer.socket_send_buffer";
    if (a.viewer.stall_timeout != b.viewer.stall_timeout) return "viewer.stall_timeout";
    if (a.viewer.heartbeat_interval != b.viewer.heartbeat_interval)
        return "viewer.heartbeat_interval";
    if (a.log.level != b.log.level) return "log.level";
    if (a.log.stats_interval != b.log.stats_interval) return "log.stats_interval";
    return {};
}

// Valid --set arguments: how to see that each took effect, and how to put the
// value back (after which nothing else may have changed).
struct Probe {
    const char* argument;
    bool (*took_effect)(const Settings&);
    void (*restore)(Settings&, const Settings& before);
};
const Probe kProbes[] = {
    {"source.fps=15", [](const Settings& s) { return s.source.fps == 15.0; },
     [](Settings& s, const Settings& before) { s.source.fps = before.source.fps; }},
    {"source.uri=file:/srv/camera.mp4",
     [](const Settings& s) { return s.source.uri == "file:/srv/camera.mp4"; },
     [](Settings& s, const Settings& before) { s.source.uri = before.source.uri; }},
    {"encoder.jpeg_quality=55", [](const Settings& s) { return s.encoder.jpeg_quality == 55; },
     [](Settings& s, const Settings& before) {
         s.encoder.jpeg_quality = before.encoder.jpeg_quality;
     }},
    {"server.listen=127.0.0.1:0",
     [](const Settings& s) { return s.server.listen == "127.0.0.1:0"; },
     [](Settings& s, const Settings& before) { s.server.listen = before.server.listen; }},
    {"viewer.queue_bytes=1MiB",
     [](const Settings& s) { return s.viewer.queue_bytes == std::size_t{1} << 20; },
     [](Settings& s, const Settings& before) { s.viewer.queue_bytes = before.viewer.queue_bytes; }},
    {"log.level=debug", [](const Settings& s) { return s.log.level == "debug"; },
     [](Settings& s, const Settings& before) { s.log.level = before.log.level; }},
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(bytes), size);
    const auto overrides = overrides_in(text);

    const auto result = parse_or_die(text, kOrigin, overrides);
    check_error_locations(result, text, overrides);
    if (!result.ok()) return 0;

    check_ranges(result.settings);

    const auto effective = to_yaml(result.settings);
    const auto again = parse_or_die(effective, "effective.yaml", {});
    FUZZ_CHECK(again.ok(), "to_yaml() printed a configuration that does not load:" +
                               all_errors(again) + "\n--- to_yaml():\n" + effective);
    const auto difference = first_difference(result.settings, again.settings);
    FUZZ_CHECK(difference.empty(),
               "to_yaml() and back changed " + difference + "\n--- to_yaml():\n" + effective);
    const auto effective_again = to_yaml(again.settings);
    FUZZ_CHECK(effective_again == effective,
               "to_yaml() of the re-read settings differs:\n--- first:\n" + effective +
                   "--- second:\n" + effective_again);

    const auto& probe = kProbes[fuzz::hash({bytes, size}, 4) % std::size(kProbes)];
    auto with_probe = overrides;
    with_probe.emplace_back(probe.argument);
    const auto probed = parse_or_die(text, kOrigin, with_probe);
    FUZZ_CHECK(probed.ok(),
               "--set " + std::string(probe.argument) +
                   " was refused on top of a file that loads without it:" + all_errors(probed));
    FUZZ_CHECK(probe.took_effect(probed.settings),
               "--set " + std::string(probe.argument) + " did not take effect");
    auto restored = probed.settings;
    probe.restore(restored, result.settings);
    const auto side_effect = first_difference(result.settings, restored);
    FUZZ_CHECK(side_effect.empty(),
               "--set " + std::string(probe.argument) + " also changed " + side_effect);
    return 0;
}
