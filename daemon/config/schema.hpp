// The configuration schema: every key declared once, in one table (schema.cpp),
// with its grammar, bounds, documentation and what a reload does when it
// changes. Loading, --check-config, the reload diff and the tests all read it.
#pragma once

#include "config/settings.hpp"

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace camstream {

// What a reload (SIGHUP) must do to apply a changed key.
enum class OnReload {
    live,              // takes effect at once; nobody is disconnected
    reopens_source,    // the capture source is closed and opened again
    reopens_listener,  // a new listening socket replaces the old one
    needs_restart,     // kept until camstreamd restarts (the reload says so)
};
std::string_view to_string(OnReload effect);

// How a key's value is written. min and max bound integer and number values,
// durations (in milliseconds) and byte sizes (in bytes).
enum class ValueKind {
    integer, number, boolean, string, choice, duration, byte_size, listen_address, source_uri, audio_source
};

// One row of the table. Made only in schema.cpp, where each row is bound to
// its field of Settings; read it through config_keys().
struct ConfigKey {
    std::string_view section;
    std::string_view key;
    ValueKind kind;
    double min = 0;
    double max = 0;
    std::span<const std::string_view> choices;  // ValueKind::choice
    OnReload on_reload;
    std::string_view doc;  // one line, shown in --check-config
    // Checks text against the grammar and bounds and stores it; on failure,
    // returns the reason (without the position) and leaves settings alone.
    std::optional<std::string> (*assign)(const ConfigKey& row, std::string_view text, Settings& settings);
    // The value as the configuration file writes it: 30, 5s, 256KiB, testpattern.
    std::string (*format)(const Settings& settings);
    bool (*same)(const Settings& a, const Settings& b);

    std::string path() const;  // "viewer.queue_frames"
    std::string default_text() const { return format(Settings{}); }
};

// Every key, grouped by section, in the order --check-config prints them.
std::span<const ConfigKey> config_keys();

struct SettingChange {
    std::string key;  // "viewer.queue_frames"
    std::string before;
    std::string after;
    OnReload effect;
};

// The keys whose values differ, in table order; empty when nothing changed.
std::vector<SettingChange> changed_settings(const Settings& before, const Settings& after);

}  // namespace camstream
