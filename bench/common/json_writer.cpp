// JsonObject: see json_writer.hpp.
#include "json_writer.hpp"

#include <cmath>
#include <cstdio>

namespace camstream::bench {
namespace {

std::string quoted(std::string_view text) {
    std::string out = "\"";
    for (const char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            char escaped[8];
            std::snprintf(escaped, sizeof(escaped), "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
            out += escaped;
        } else {
            out += c;
        }
    }
    return out + "\"";
}

}  // namespace

JsonObject& JsonObject::raw(std::string_view key, std::string_view json) {
    if (!body_.empty()) body_ += ',';
    body_ += quoted(key);
    body_ += ':';
    body_ += json;
    return *this;
}

JsonObject& JsonObject::add(std::string_view key, double value) {
    if (!std::isfinite(value)) return add_null(key);
    char text[32];
    std::snprintf(text, sizeof(text), "%.6g", value);
    return raw(key, text);
}

JsonObject& JsonObject::add(std::string_view key, bool value) { return raw(key, value ? "true" : "false"); }
JsonObject& JsonObject::add(std::string_view key, std::string_view value) { return raw(key, quoted(value)); }
JsonObject& JsonObject::add(std::string_view key, const JsonObject& value) { return raw(key, value.str()); }
JsonObject& JsonObject::add_null(std::string_view key) { return raw(key, "null"); }

}  // namespace camstream::bench
