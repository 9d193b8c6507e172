#pragma once
#include "config/config.hpp"
#include <string_view>
#include <vector>
namespace camstream {
enum class OnReload { live, reopens_source, reopens_listener };
inline std::string_view to_string(OnReload e) { return e == OnReload::live ? "live" : e == OnReload::reopens_source ? "reopens_source" : "reopens_listener"; }
struct SettingChange { std::string key, before, after; OnReload effect; };
inline std::vector<SettingChange> changed_settings(const Settings& a, const Settings& b) {
    std::vector<SettingChange> out;
    if (a.source.uri != b.source.uri || a.source.width != b.source.width || a.source.height != b.source.height || a.source.fps != b.source.fps) out.push_back({"source", "", "", OnReload::reopens_source});
    if (a.server.listen != b.server.listen) out.push_back({"server.listen", a.server.listen, b.server.listen, OnReload::reopens_listener});
    return out;
}
}
