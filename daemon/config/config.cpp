// Loads and validates camstreamd's YAML configuration (see config.hpp). What
// each key is and how its value is checked lives in the schema; this file walks
// the YAML tree, applies --set overrides and says where each error is.
#include "config/config.hpp"

#include "config/did_you_mean.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <utility>
#include <vector>

namespace camstream {
namespace {

// Each section once, in the order the table first names it.
std::vector<std::string_view> section_names() {
    std::vector<std::string_view> sections;
    for (const auto& row : config_keys()) {
        if (std::find(sections.begin(), sections.end(), row.section) == sections.end()) {
            sections.push_back(row.section);
        }
    }
    return sections;
}

std::vector<std::string_view> key_names(std::string_view section) {
    std::vector<std::string_view> keys;
    for (const auto& row : config_keys()) {
        if (row.section == section) keys.push_back(row.key);
    }
    return keys;
}

// "FILE:LINE:COLUMN". Every node read from a file has a mark; only an empty
// document has none, and its position is its start.
std::string located(const std::string& origin, const YAML::Mark& mark) {
    if (mark.is_null()) return origin + ":1:1";
    return origin + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
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
        return located(origin_, node.Mark());
    }

    // Reports unknown keys of a map; names = the keys it may hold.
    void check_keys(const YAML::Node& map, const std::string& prefix, std::span<const std::string_view> names) {
        for (const auto& entry : map) {
            const auto key = entry.first.Scalar();
            if (std::find(names.begin(), names.end(), key) != names.end()) continue;
            const auto path = prefix.empty() ? key : prefix + "." + key;
            error(entry.first, path,
                  "unknown key '" + printable(path) + "'" + did_you_mean(key, names) +
                      "; expected one of: " + join(names));
        }
    }

    // A missing key keeps its default; anything else must satisfy the row.
    void value(const YAML::Node& node, const ConfigKey& row, Settings& settings) {
        if (!node) return;
        const auto path = row.path();
        if (!node.IsScalar()) {
            error(node, path, "'" + path + "' must be a single value, not a list or a map");
            return;
        }
        if (auto reason = row.assign(row, node.Scalar(), settings)) error(node, path, *reason);
    }

private:
    std::string origin_;
    std::map<std::string, std::string> override_origins_;
    std::vector<std::string>& errors_;
};

std::string trimmed(std::string_view text) {
    const auto first = text.find_first_not_of(' ');
    if (first == std::string_view::npos) return {};
    return std::string(text.substr(first, text.find_last_not_of(' ') - first + 1));
}

// Where a second YAML document starts, if the text has one. The parser's
// events are only counted, for two documents at most: YAML::LoadAll loops
// without end on some malformed text (the config fuzz harness found one),
// repeating an empty document.
std::optional<YAML::Mark> second_document_start(const std::string& text) {
    class DocumentStarts final : public YAML::EventHandler {
    public:
        std::optional<YAML::Mark> last;
        void OnDocumentStart(const YAML::Mark& mark) override { last = mark; }
        void OnDocumentEnd() override {}
        void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
        void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
        void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
        void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
        void OnSequenceEnd() override {}
        void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
        void OnMapEnd() override {}
    };
    std::istringstream input(text);
    YAML::Parser parser(input);
    DocumentStarts starts;
    if (!parser.HandleNextDocument(starts)) return std::nullopt;
    starts.last.reset();
    if (!parser.HandleNextDocument(starts)) return std::nullopt;
    return starts.last ? starts.last : std::optional<YAML::Mark>(YAML::Mark());
}

// The value of a --set: the text after '=' as written, because a command line
// holds one value, not a document: [::1]:10050 (which YAML reads as a list),
// {x}, "- a" and "a: b" are text. Only where YAML reads the text as one
// scalar is it read as YAML: quoted, it loses its quotes and gains its
// escapes ('[::1]:0', "a\tb") as in the file; plain, its surrounding spaces
// go. Plain text YAML would shorten stays whole: in file:/srv/cam #2 the " #2"
// is part of a path, not a comment, and ~ or null is no setting's value.
std::string override_value(const std::string& text) {
    YAML::Node document;
    try {
        document = YAML::Load(text);
        if (second_document_start(text)) return text;
    } catch (const YAML::Exception&) {
        return text;
    }
    if (!document.IsScalar()) return text;
    const auto& scalar = document.Scalar();
    const auto plain_text = trimmed(text);
    // yaml-cpp tags a quoted (or block) scalar "!" and a plain one "?".
    const bool quoted = document.Tag() == "!" && !plain_text.empty() &&
                        (plain_text.front() == '\'' || plain_text.front() == '"');
    const bool plain = document.Tag() == "?" && scalar == plain_text;
    return quoted || plain ? scalar : text;
}

// Applies "a.b=value" overrides onto the tree; returns path -> "--set a.b=value".
std::map<std::string, std::string> apply_overrides(YAML::Node& root,
                                                   const std::vector<std::string>& overrides,
                                                   std::vector<std::string>& errors) {
    std::map<std::string, std::string> origins;
    for (const auto& item : overrides) {
        const auto origin = "--set " + printable(item);
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
        const bool in_file = root[section].IsDefined();
        if (in_file && !root[section].IsMap()) {
            // An empty section ("source:" alone) is valid and takes the key. A
            // list or a value is an error of the file, which read_settings()
            // reports at its line and column; assigning a key would hide it
            // (yaml-cpp turns a list into a map on assignment).
            if (!root[section].IsNull()) continue;
            root[section] = YAML::Node(YAML::NodeType::Map);
        }
        root[section][key] = YAML::Node(override_value(item.substr(equals + 1)));
        origins[path] = origin;
        // A section the file does not have: its errors (an unknown section) are the --set's.
        if (!in_file) origins[section] = origin;
    }
    return origins;
}

void read_settings(Reader& reader, const YAML::Node& root, Settings& settings) {
    const auto sections = section_names();
    // Listed alphabetically, as they were before the schema was a table, so
    // the messages users and scripts have seen stay the same.
    auto sorted_sections = sections;
    std::sort(sorted_sections.begin(), sorted_sections.end());
    reader.check_keys(root, "", sorted_sections);

    for (const auto name : sections) {
        const std::string section_name(name);
        const YAML::Node section = root[section_name];
        if (!section || section.IsNull()) continue;
        if (!section.IsMap()) {
            reader.error(section, section_name, "'" + section_name + "' must be a map of settings");
            continue;
        }
        reader.check_keys(section, section_name, key_names(name));
        for (const auto& row : config_keys()) {
            if (row.section == name) reader.value(section[std::string(row.key)], row, settings);
        }
    }
}

// A value as YAML writes it: plain when it reads back as the same text, quoted otherwise.
std::string yaml_scalar(const std::string& text) {
    YAML::Emitter out;
    out << text;
    return out.c_str();
}

// The position of the first byte that is not UTF-8, if any: such text would be
// used as it is but printed (--check-config) with replacement characters.
std::optional<std::pair<std::size_t, std::size_t>> first_invalid_utf8(std::string_view text) {
    std::size_t line = 1;
    std::size_t column = 1;
    for (std::size_t i = 0; i < text.size();) {
        const auto byte = static_cast<unsigned char>(text[i]);
        std::size_t length = byte < 0x80 ? 1 : (byte >> 5) == 0x6 ? 2 : (byte >> 4) == 0xE ? 3 : (byte >> 3) == 0x1E ? 4 : 0;
        bool valid = length != 0 && i + length <= text.size() && (length != 2 || byte >= 0xC2);
        for (std::size_t k = 1; valid && k < length; ++k) {
            valid = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
        }
        if (valid && length == 3) {
            const auto second = static_cast<unsigned char>(text[i + 1]);
            valid = !(byte == 0xE0 && second < 0xA0) && !(byte == 0xED && second >= 0xA0);
        }
        if (valid && length == 4) {
            const auto second = static_cast<unsigned char>(text[i + 1]);
            valid = byte <= 0xF4 && !(byte == 0xF0 && second < 0x90) && !(byte == 0xF4 && second >= 0x90);
        }
        if (!valid) return std::pair{line, column};
        if (byte == '\n') {
            ++line;
            column = 1;
        } else {
            ++column;
        }
        i += length;
    }
    return std::nullopt;
}

std::string position(const std::string& origin, const YAML::Mark& mark) {
    if (mark.is_null()) return origin;
    return origin + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

// What YAML allows but a configuration must not have: a section or key given
// twice (yaml-cpp would silently use one of them), and anchors and aliases,
// which make two places in the file one node, so that an override of one would
// silently change the other.
std::optional<std::string> first_structure_error(const YAML::Node& root, const std::string& origin) {
    std::vector<std::pair<std::string, YAML::Node>> values;
    std::vector<std::pair<std::string, YAML::Mark>> keys;
    auto check = [&](const std::string& path, const YAML::Node& key, const YAML::Node& value)
        -> std::optional<std::string> {
        for (const auto& [other_path, other_mark] : keys) {
            if (other_path != path) continue;
            return position(origin, key.Mark()) + ": '" + path + "' is given twice (first at line " +
                   std::to_string(other_mark.line + 1) + ")";
        }
        keys.emplace_back(path, key.Mark());
        for (const auto& [other_path, other] : values) {
            if (!value.is(other)) continue;
            return position(origin, key.Mark()) + ": '" + path + "' and '" + other_path +
                   "' are one node (a YAML anchor and alias); write each setting out";
        }
        values.emplace_back(path, value);
        return std::nullopt;
    };
    for (const auto& section : root) {
        const auto name = section.first.Scalar();
        if (auto error = check(name, section.first, section.second)) return error;
        if (!section.second.IsMap()) continue;
        for (const auto& entry : section.second) {
            if (auto error = check(name + "." + entry.first.Scalar(), entry.first, entry.second)) return error;
        }
    }
    return std::nullopt;
}

}  // namespace

ConfigResult parse_config(std::string_view yaml_text, const std::string& origin,
                          const std::vector<std::string>& overrides) {
    ConfigResult result;
    if (const auto bad = first_invalid_utf8(yaml_text)) {
        result.errors.push_back(origin + ":" + std::to_string(bad->first) + ":" + std::to_string(bad->second) +
                                ": the configuration must be UTF-8 text");
        return result;
    }
    for (const auto& item : overrides) {
        if (first_invalid_utf8(item)) {
            result.errors.push_back("--set " + item + ": must be UTF-8 text");
            return result;
        }
    }
    YAML::Node root;
    std::optional<YAML::Mark> second_document;
    try {
        const std::string text(yaml_text);
        root = YAML::Load(text);
        second_document = second_document_start(text);
    } catch (const YAML::Exception& e) {
        result.errors.push_back(located(origin, e.mark) + ": " + printable(e.msg));
        return result;
    }
    // YAML::Load reads the first document and silently drops the rest: a
    // "---" pasted in the middle would hide every setting after it.
    if (second_document) {
        result.errors.push_back(located(origin, *second_document) +
                                ": a second YAML document starts here; the configuration must be one");
        return result;
    }
    if (root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
    if (!root.IsMap()) {
        result.errors.push_back(located(origin, root.Mark()) + ": the configuration must be a map of sections, not " +
                                (root.IsSequence() ? "a list" : "a single value"));
        return result;
    }
    if (auto error = first_structure_error(root, origin)) {
        result.errors.push_back(*error);
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

std::string to_yaml(const Settings& settings) {
    std::string out;
    for (const auto section : section_names()) {
        out += std::string(section) + ":\n";
        for (const auto& row : config_keys()) {
            if (row.section != section) continue;
            out += "  # " + std::string(row.doc) + "\n";
            out += "  " + std::string(row.key) + ": " + yaml_scalar(row.format(settings)) + "\n";
        }
    }
    return out;
}

}  // namespace camstream
