// The configuration schema: one table declares and documents every key, the
// example file shows exactly those keys at their defaults, --check-config's
// output reads back unchanged, and a reload's diff names each changed key with
// what applying it takes.
#include "config/config.hpp"

#include <doctest/doctest.h>
#include <yaml-cpp/yaml.h>

#include <set>

using namespace camstream;

namespace {

const std::string kExampleFile = std::string(CAMSTREAM_SOURCE_DIR) + "/config/camstreamd.yaml";

std::string joined(const std::set<std::string>& names) {
    std::string text;
    for (const auto& name : names) text += (text.empty() ? "" : ", ") + name;
    return text;
}

std::set<std::string> schema_keys() {
    std::set<std::string> keys;
    for (const auto& row : config_keys()) keys.insert(row.path());
    return keys;
}

// A valid value other than the default for each key, how --check-config
// prints it, and what a reload does when it changes.
struct OtherValue {
    std::string key;
    std::string value;
    std::string printed;
    OnReload effect;
};

const std::vector<OtherValue> kOtherValues = {
    {"source.uri", "file:/srv/clips", "file:/srv/clips", OnReload::reopens_source},
    {"source.width", "640", "640", OnReload::reopens_source},
    {"source.height", "480", "480", OnReload::reopens_source},
    {"source.fps", "12.5", "12.5", OnReload::reopens_source},
    {"source.format", "YUYV", "YUYV", OnReload::reopens_source},
    {"source.retry_initial", "250ms", "250ms", OnReload::reopens_source},
    {"source.retry_max", "30s", "30s", OnReload::reopens_source},
    {"audio.source", "tone:440", "tone:440", OnReload::needs_restart},
    {"audio.channels", "2", "2", OnReload::needs_restart},
    {"audio.bitrate", "24000", "24000", OnReload::needs_restart},
    {"audio.retry_initial", "250ms", "250ms", OnReload::needs_restart},
    {"audio.retry_max", "30s", "30s", OnReload::needs_restart},
    {"picture.rotate", "180", "180", OnReload::reopens_source},
    {"picture.flip", "horizontal", "horizontal", OnReload::reopens_source},
    {"picture.width", "640", "640", OnReload::reopens_source},
    {"picture.height", "360", "360", OnReload::reopens_source},
    {"picture.timestamp", "'%H:%M:%S'", "%H:%M:%S", OnReload::reopens_source},  // YAML must quote it
    {"picture.label", "Porch", "Porch", OnReload::reopens_source},
    {"picture.overlay_corner", "bottom-right", "bottom-right", OnReload::reopens_source},
    {"picture.overlay_scale", "2.5", "2.5", OnReload::reopens_source},
    {"encoder.jpeg_quality", "60", "60", OnReload::live},
    {"server.listen", "'[::1]:0'", "[::1]:0", OnReload::reopens_listener},  // YAML must quote it
    {"server.max_viewers", "5", "5", OnReload::live},
    {"server.hello_timeout", "1.5s", "1500ms", OnReload::live},
    {"server.max_greeting_per_address", "3", "3", OnReload::live},
    {"server.max_greeting", "40", "40", OnReload::live},
    {"viewer.queue_frames", "4", "4", OnReload::live},
    {"viewer.queue_bytes", "3MiB", "3MiB", OnReload::live},
    {"viewer.socket_send_buffer", "512KiB", "512KiB", OnReload::live},
    {"viewer.stall_timeout", "250ms", "250ms", OnReload::live},
    {"viewer.heartbeat_interval", "2s", "2s", OnReload::live},
    {"http.enabled", "false", "false", OnReload::reopens_listener},
    {"http.listen", "127.0.0.1:8081", "127.0.0.1:8081", OnReload::reopens_listener},
    {"http.request_timeout", "2s", "2s", OnReload::live},
    {"http.keepalive_timeout", "1500ms", "1500ms", OnReload::live},
    {"http.max_header_bytes", "16KiB", "16KiB", OnReload::live},
    {"http.max_headers", "20", "20", OnReload::live},
    {"http.snapshot_timeout", "500ms", "500ms", OnReload::live},
    {"access.mode", "tokens", "tokens", OnReload::live},
    {"access.tokens_file", "/srv/tokens", "/srv/tokens", OnReload::live},
    {"access.ticket_keys_file", "/srv/keys", "/srv/keys", OnReload::live},
    {"access.revoked_file", "/srv/revoked", "/srv/revoked", OnReload::live},
    {"access.ticket_audience", "porch", "porch", OnReload::live},
    {"access.clock_leeway", "5s", "5s", OnReload::live},
    {"access.ledger", "/srv/ledger.sqlite", "/srv/ledger.sqlite", OnReload::needs_restart},
    {"access.ledger_flush", "2s", "2s", OnReload::live},
    {"access.max_failures", "3", "3", OnReload::live},
    {"log.level", "debug", "debug", OnReload::live},
    {"log.stats_interval", "1m", "60s", OnReload::live},
};

Settings settings_with(const std::vector<std::string>& overrides) {
    const auto result = parse_config("", "test.yaml", overrides);
    INFO(overrides.size() << " overrides, first error: " << (result.ok() ? "" : result.errors.front()));
    REQUIRE(result.ok());
    return result.settings;
}

Settings every_key_changed() {
    std::vector<std::string> overrides;
    for (const auto& other : kOtherValues) overrides.push_back(other.key + "=" + other.value);
    return settings_with(overrides);
}

}  // namespace

TEST_CASE("config: config/camstreamd.yaml documents exactly the schema's keys") {
    const YAML::Node root = YAML::LoadFile(kExampleFile);
    std::set<std::string> documented;
    for (const auto& section : root) {
        const auto name = section.first.as<std::string>();
        if (!section.second.IsMap()) {
            documented.insert(name);  // not a section of keys: reported as extra
            continue;
        }
        for (const auto& key : section.second) documented.insert(name + "." + key.first.as<std::string>());
    }
    const auto schema = schema_keys();
    std::set<std::string> missing;
    std::set<std::string> extra;
    for (const auto& key : schema) {
        if (!documented.contains(key)) missing.insert(key);
    }
    for (const auto& key : documented) {
        if (!schema.contains(key)) extra.insert(key);
    }
    CHECK_MESSAGE(missing.empty(), "keys missing from config/camstreamd.yaml: " << joined(missing));
    CHECK_MESSAGE(extra.empty(), "keys in config/camstreamd.yaml that the schema does not have: " << joined(extra));
}

TEST_CASE("config: config/camstreamd.yaml shows every key at its default") {
    const auto example = load_config_file(kExampleFile, {});
    REQUIRE(example.ok());
    for (const auto& change : changed_settings(Settings{}, example.settings)) {
        FAIL_CHECK("config/camstreamd.yaml shows " << change.key << ": " << change.after
                                                      << ", but the default is " << change.before);
    }
}

TEST_CASE("config: every key is declared once, with a one-line description") {
    std::set<std::string> seen;
    for (const auto& row : config_keys()) {
        INFO(row.path());
        CHECK(seen.insert(row.path()).second);
        CHECK_FALSE(row.section.empty());
        CHECK_FALSE(row.key.empty());
        CHECK_FALSE(row.doc.empty());
        CHECK(row.doc.find('\n') == std::string_view::npos);
    }
    CHECK(seen.size() == kOtherValues.size());
}

TEST_CASE("config: a key's default is the default Settings' value, written as in the file") {
    std::map<std::string, std::string> defaults;
    for (const auto& row : config_keys()) defaults[row.path()] = row.default_text();
    CHECK(defaults["source.uri"] == "testpattern");
    CHECK(defaults["source.fps"] == "30");
    CHECK(defaults["server.listen"] == "0.0.0.0:10050");
    CHECK(defaults["server.hello_timeout"] == "5s");
    CHECK(defaults["viewer.queue_frames"] == "2");
    CHECK(defaults["viewer.queue_bytes"] == "8MiB");
    CHECK(defaults["viewer.socket_send_buffer"] == "256KiB");
    CHECK(defaults["log.level"] == "info");
}

TEST_CASE("config: identical settings have no changes") {
    CHECK(changed_settings(Settings{}, Settings{}).empty());
    const auto changed = every_key_changed();
    CHECK(changed_settings(changed, changed).empty());
}

TEST_CASE("config: a reload's changes name each key, its values and what applying it takes") {
    const Settings before;
    const auto after = settings_with({"viewer.queue_frames=4", "source.fps=15", "server.listen=127.0.0.1:0"});
    const auto changes = changed_settings(before, after);
    REQUIRE(changes.size() == 3);
    // In table order, not the order of the edits.
    CHECK(changes[0].key == "source.fps");
    CHECK(changes[0].before == "30");
    CHECK(changes[0].after == "15");
    CHECK(to_string(changes[0].effect) == "reopens_source");
    CHECK(changes[1].key == "server.listen");
    CHECK(changes[1].before == "0.0.0.0:10050");
    CHECK(changes[1].after == "127.0.0.1:0");
    CHECK(to_string(changes[1].effect) == "reopens_listener");
    CHECK(changes[2].key == "viewer.queue_frames");
    CHECK(changes[2].before == "2");
    CHECK(changes[2].after == "4");
    CHECK(to_string(changes[2].effect) == "live");
}

TEST_CASE("config: changing any one key reports that key alone, with its reload effect") {
    std::set<std::string> covered;
    for (const auto& other : kOtherValues) {
        INFO(other.key << "=" << other.value);
        covered.insert(other.key);
        const auto changes = changed_settings(Settings{}, settings_with({other.key + "=" + other.value}));
        REQUIRE(changes.size() == 1);
        CHECK(changes[0].key == other.key);
        CHECK(changes[0].after == other.printed);
        CHECK(to_string(changes[0].effect) == to_string(other.effect));
    }
    CHECK_MESSAGE(covered == schema_keys(), "give every key of the schema a row in kOtherValues");
}

TEST_CASE("config: to_yaml prints every key under its description and reads back unchanged") {
    for (const auto& settings : {Settings{}, every_key_changed()}) {
        const auto yaml = to_yaml(settings);
        INFO(yaml);
        for (const auto& row : config_keys()) {
            CHECK(yaml.find("  # " + std::string(row.doc) + "\n  " + std::string(row.key) + ": ") !=
                  std::string::npos);
        }
        const auto again = parse_config(yaml, "check-config.yaml", {});
        REQUIRE_MESSAGE(again.ok(), "first error: " << again.errors.front());
        for (const auto& change : changed_settings(settings, again.settings)) {
            FAIL_CHECK(change.key << " was " << change.before << ", read back as " << change.after);
        }
        CHECK(to_yaml(again.settings) == yaml);
    }
}
