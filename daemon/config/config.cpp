// Loads and validates camstreamd's YAML configuration (see config.hpp).
#include "config/config.hpp"

#include "capture/source_uri.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

namespace camstream {
namespace {

// The schema: each section and the keys it may hold.
const std::map<std::string, std::vector<std::string>, std::less<>> kSchema = {
    {"source", {"uri", "width", "height", "fps"}},
    {"encoder", {"jpeg_quality"}},
    {"server", {"listen", "max_viewers", "hello_timeout"}},
    {"viewer", {"queue_frames", "queue_bytes", "socket_send_buffer", "stall_timeout", "heartbeat_interval"}},
    {"log", {"level", "stats_interval"}},
};

const std::vector<std::string> kLogLevels = {"trace", "debug", "info", "warn",
                                             "error", "critical", "off"};

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

std::string did_you_mean(std::string_view key, const std::vector<std::string>& candidates) {
    std::string best;
    std::size_t best_distance = 3;  // farther than this is a different word, not a typo
    for (const auto& candidate : candidates) {
        const auto distance = edit_distance(key, candidate);
        if (distance < best_distance) {
            best_distance = distance;
            best = candidate;
        }
    }
    return best.empty() ? std::string{} : " (did you mean '" + best + "'?)";
}

std::string join(const std::vector<std::string>& words) {
    std::string out;
    for (const auto& word : words) out += (out.empty() ? "" : ", ") + word;
    return out;
}

// Walks the YAML tree section by section, collecting every error with its position.
class Reader {
public:
    Reader(std::string origin, std::map<std::string, std::string> override_origins,
           std::vector<std::string>& errors)
        : origin_(std::move(origin)), override_origins_(std::move(override_origins)), errors_(errors) {}

    void error(const YAML::Node& node, const std::string& path, const std::string& message) {
        errors_.push_back(where(node, path) + ": " + message);
    }

    std::string where(const YAML::Node& node, const std::string& path) const {
        if (auto found = override_origins_.find(path); found != override_origins_.end()) {
            return found->second;
        }
        const auto mark = node.Mark();
        if (mark.is_null()) return origin_;
        return origin_ + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
    }

    // Reports unknown keys of a map; names = the keys it may hold.
    void check_keys(const YAML::Node& map, const std::string& prefix,
                    const std::vector<std::string>& names) {
        for (const auto& entry : map) {
            const auto key = entry.first.Scalar();
            if (std::find(names.begin(), names.end(), key) != names.end()) continue;
            const auto path = prefix.empty() ? key : prefix + "." + key;
            error(entry.first, path,
                  "unknown key '" + path + "'" + did_you_mean(key, names) +
                      "; expected one of: " + join(names));
        }
    }

    bool scalar(const YAML::Node& node, const std::string& path) {
        if (node.IsScalar()) return true;
        error(node, path, "'" + path + "' must be a single value, not a list or a map");
        return false;
    }

    void integer(const YAML::Node& node, const std::string& path, long long min, long long max,
                 auto& out) {
        if (!node || !scalar(node, path)) return;
        const auto& text = node.Scalar();
        long long value = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (ec != std::errc{} || end != text.data() + text.size()) {
            error(node, path, "'" + path + "' must be an integer, got '" + text + "'");
        } else if (value < min || value > max) {
            error(node, path, "'" + path + "' is " + text + ", must be between " +
                                  std::to_string(min) + " and " + std::to_string(max));
        } else {
            out = static_cast<std::remove_reference_t<decltype(out)>>(value);
        }
    }

    void number(const YAML::Node& node, const std::string& path, double min, double max,
                double& out) {
        if (!node || !scalar(node, path)) return;
        const auto& text = node.Scalar();
        double value = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(value)) {
            error(node, path, "'" + path + "' must be a number, got '" + text + "'");
        } else if (value < min || value > max) {
            std::ostringstream range;
            range << "'" << path << "' is " << text << ", must be between " << min << " and " << max;
            error(node, path, range.str());
        } else {
            out = value;
        }
    }

    void string(const YAML::Node& node, const std::string& path, std::string& out) {
        if (!node || !scalar(node, path)) return;
        if (node.Scalar().empty()) {
            error(node, path, "'" + path + "' must not be empty");
            return;
        }
        out = node.Scalar();
    }

    void choice(const YAML::Node& node, const std::string& path,
                const std::vector<std::string>& choices, std::string& out) {
        if (!node || !scalar(node, path)) return;
        const auto& text = node.Scalar();
        if (std::find(choices.begin(), choices.end(), text) == choices.end()) {
            error(node, path, "'" + path + "' is '" + text + "'" + did_you_mean(text, choices) +
                                  "; expected one of: " + join(choices));
            return;
        }
        out = text;
    }

    void duration(const YAML::Node& node, const std::string& path, Duration min, Duration max,
                  Duration& out) {
        if (!node || !scalar(node, path)) return;
        const auto value = parse_duration(node.Scalar());
        if (!value) {
            error(node, path, "'" + path + "' must be a duration such as 500ms, 10s or 2m, got '" +
                                  node.Scalar() + "'");
        } else if (*value < min || *value > max) {
            error(node, path, "'" + path + "' is " + node.Scalar() + ", must be between " +
                                  std::to_string(min.count()) + "ms and " +
                                  std::to_string(max.count()) + "ms");
        } else {
            out = *value;
        }
    }

    void byte_size(const YAML::Node& node, const std::string& path, std::size_t min,
                   std::size_t max, std::size_t& out) {
        if (!node || !scalar(node, path)) return;
        const auto value = parse_byte_size(node.Scalar());
        if (!value) {
            error(node, path, "'" + path + "' must be a size such as 65536, 512KiB or 4MiB, got '" +
                                  node.Scalar() + "'");
        } else if (*value < min || *value > max) {
            error(node, path, "'" + path + "' is " + node.Scalar() + ", must be between " +
                                  std::to_string(min) + " and " + std::to_string(max) + " bytes");
        } else {
            out = *value;
        }
    }

private:
    std::string origin_;
    std::map<std::string, std::string> override_origins_;
    std::vector<std::string>& errors_;
};

// Applies "a.b=value" overrides onto the tree; returns path -> "--set a.b=value".
std::map<std::string, std::string> apply_overrides(YAML::Node& root,
                                                   const std::vector<std::string>& overrides,
                                                   std::vector<std::string>& errors) {
    std::map<std::string, std::string> origins;
    for (const auto& item : overrides) {
        const auto origin = "--set " + item;
        const auto equals = item.find('=');
        const auto path = item.substr(0, equals);
        const auto dot = path.find('.');
        if (equals == std::string::npos || dot == std::string::npos || dot == 0 ||
            dot + 1 == path.size() || path.find('.', dot + 1) != std::string::npos) {
            errors.push_back(origin + ": expected section.key=value, e.g. source.fps=15");
            continue;
        }
        const auto section = path.substr(0, dot);
        const auto key = path.substr(dot + 1);
        if (root[section] && !root[section].IsMap()) {
            errors.push_back(origin + ": section '" + section + "' in the file is not a map");
            continue;
        }
        YAML::Node value;
        try {
            value = YAML::Load(item.substr(equals + 1));
        } catch (const YAML::Exception& e) {
            errors.push_back(origin + ": " + e.msg);
            continue;
        }
        root[section][key] = value.IsNull() ? YAML::Node(item.substr(equals + 1)) : value;
        origins[path] = origin;
        origins[section] = origin;
    }
    return origins;
}

void read_settings(Reader& reader, const YAML::Node& root, Settings& settings) {
    std::vector<std::string> sections;
    for (const auto& [name, keys] : kSchema) sections.push_back(name);
    reader.check_keys(root, "", sections);

    auto section = [&](const std::string& name) -> YAML::Node {
        const YAML::Node node = root[name];
        if (!node || node.IsNull()) return YAML::Node(YAML::NodeType::Map);
        if (!node.IsMap()) {
            reader.error(node, name, "'" + name + "' must be a map of settings");
            return YAML::Node(YAML::NodeType::Map);
        }
        reader.check_keys(node, name, kSchema.find(name)->second);
        return node;
    };

    using std::chrono::hours;
    using std::chrono::milliseconds;
    using std::chrono::seconds;

    const auto source = section("source");
    reader.string(source["uri"], "source.uri", settings.source.uri);
    if (std::string expected; !parse_source_uri(settings.source.uri, expected)) {
        reader.error(source["uri"], "source.uri", "'source.uri' is '" + settings.source.uri + "'; " + expected);
    }
    reader.integer(source["width"], "source.width", 16, 7680, settings.source.width);
    reader.integer(source["height"], "source.height", 16, 4320, settings.source.height);
    reader.number(source["fps"], "source.fps", 0.1, 240.0, settings.source.fps);

    const auto encoder = section("encoder");
    reader.integer(encoder["jpeg_quality"], "encoder.jpeg_quality", 1, 100,
                   settings.encoder.jpeg_quality);

    const auto server = section("server");
    reader.string(server["listen"], "server.listen", settings.server.listen);
    if (server["listen"] && !parse_listen_address(settings.server.listen)) {
        reader.error(server["listen"], "server.listen",
                     "'server.listen' is '" + settings.server.listen +
                         "'; expected HOST:PORT such as 0.0.0.0:10050 or [::1]:10050");
    }
    reader.integer(server["max_viewers"], "server.max_viewers", 1, 100000,
                   settings.server.max_viewers);
    reader.duration(server["hello_timeout"], "server.hello_timeout", milliseconds(100),
                    seconds(300), settings.server.hello_timeout);

    const auto viewer = section("viewer");
    reader.integer(viewer["queue_frames"], "viewer.queue_frames", 1, 100,
                   settings.viewer.queue_frames);
    reader.byte_size(viewer["queue_bytes"], "viewer.queue_bytes", 64u << 10, 1u << 30,
                     settings.viewer.queue_bytes);
    reader.byte_size(viewer["socket_send_buffer"], "viewer.socket_send_buffer", 16u << 10, 64u << 20,
                     settings.viewer.socket_send_buffer);
    reader.duration(viewer["stall_timeout"], "viewer.stall_timeout", milliseconds(200),
                    hours(1), settings.viewer.stall_timeout);
    reader.duration(viewer["heartbeat_interval"], "viewer.heartbeat_interval", milliseconds(100),
                    seconds(60), settings.viewer.heartbeat_interval);

    const auto log = section("log");
    reader.choice(log["level"], "log.level", kLogLevels, settings.log.level);
    reader.duration(log["stats_interval"], "log.stats_interval", milliseconds(100), hours(24),
                    settings.log.stats_interval);
}

}  // namespace

ConfigResult parse_config(std::string_view yaml_text, const std::string& origin,
                          const std::vector<std::string>& overrides) {
    ConfigResult result;
    YAML::Node root;
    try {
        root = YAML::Load(std::string(yaml_text));
    } catch (const YAML::ParserException& e) {
        result.errors.push_back(origin + ":" + std::to_string(e.mark.line + 1) + ":" +
                                std::to_string(e.mark.column + 1) + ": " + e.msg);
        return result;
    }
    if (root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
    if (!root.IsMap()) {
        result.errors.push_back(origin + ": the configuration must be a map of sections");
        return result;
    }
    Reader reader(origin, apply_overrides(root, overrides, result.errors), result.errors);
    read_settings(reader, root, result.settings);
    return result;
}

ConfigResult load_config_file(const std::string& path, const std::vector<std::string>& overrides) {
    std::ifstream file(path);
    if (!file) {
        ConfigResult result;
        result.errors.push_back(path + ": cannot read the configuration file");
        return result;
    }
    std::stringstream text;
    text << file.rdbuf();
    return parse_config(text.str(), path, overrides);
}

std::string to_yaml(const Settings& s) {
    YAML::Emitter out;
    out << YAML::BeginMap;
    out << YAML::Key << "source" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "uri" << YAML::Value << s.source.uri;
    out << YAML::Key << "width" << YAML::Value << s.source.width;
    out << YAML::Key << "height" << YAML::Value << s.source.height;
    out << YAML::Key << "fps" << YAML::Value << s.source.fps;
    out << YAML::EndMap;
    out << YAML::Key << "encoder" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "jpeg_quality" << YAML::Value << s.encoder.jpeg_quality;
    out << YAML::EndMap;
    out << YAML::Key << "server" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "listen" << YAML::Value << s.server.listen;
    out << YAML::Key << "max_viewers" << YAML::Value << s.server.max_viewers;
    out << YAML::Key << "hello_timeout" << YAML::Value << format_duration(s.server.hello_timeout);
    out << YAML::EndMap;
    out << YAML::Key << "viewer" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "queue_frames" << YAML::Value << s.viewer.queue_frames;
    out << YAML::Key << "queue_bytes" << YAML::Value << format_byte_size(s.viewer.queue_bytes);
    out << YAML::Key << "socket_send_buffer" << YAML::Value << format_byte_size(s.viewer.socket_send_buffer);
    out << YAML::Key << "stall_timeout" << YAML::Value << format_duration(s.viewer.stall_timeout);
    out << YAML::Key << "heartbeat_interval" << YAML::Value
        << format_duration(s.viewer.heartbeat_interval);
    out << YAML::EndMap;
    out << YAML::Key << "log" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "level" << YAML::Value << s.log.level;
    out << YAML::Key << "stats_interval" << YAML::Value << format_duration(s.log.stats_interval);
    out << YAML::EndMap;
    out << YAML::EndMap;
    return std::string(out.c_str()) + "\n";
}

std::optional<Duration> test_pattern_hang_after(std::string_view uri) {
    std::string error;
    const auto parsed = parse_source_uri(uri, error);
    return parsed ? parsed->hang_after : std::nullopt;
}

}  // namespace camstream
