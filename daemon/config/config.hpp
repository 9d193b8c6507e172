// Loading camstreamd's configuration: YAML (plus --set overrides) read against
// the schema and validated strictly. Every error names where the bad value came
// from: FILE:LINE:COLUMN, or the --set argument. The one include for callers:
// it brings the settings, the schema and the value grammars along.
#pragma once

#include "config/schema.hpp"
#include "config/settings.hpp"
#include "config/value_grammar.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace camstream {

struct ConfigResult {
    Settings settings;
    std::vector<std::string> errors;
    bool ok() const { return errors.empty(); }
};

// overrides are "key.path=value" strings, applied on top of the file.
ConfigResult load_config_file(const std::string& path, const std::vector<std::string>& overrides);
ConfigResult parse_config(std::string_view yaml_text, const std::string& origin,
                          const std::vector<std::string>& overrides);

// The effective configuration as YAML, for --check-config: every key, each
// under its documentation as a comment. parse_config() reads it back unchanged.
std::string to_yaml(const Settings& settings);

}  // namespace camstream
