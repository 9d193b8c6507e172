// JsonObject: just enough JSON writing for the one-line reports of the bench
// programs, so they need no JSON library. Keys are written in the order added.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

namespace camstream::bench {

class JsonObject {
public:
    JsonObject& add(std::string_view key, double value);
    template <typename T>
        requires(std::is_integral_v<T> && !std::is_same_v<T, bool>)
    JsonObject& add(std::string_view key, T value) {
        return raw(key, std::to_string(value));
    }
    JsonObject& add(std::string_view key, bool value);
    JsonObject& add(std::string_view key, std::string_view value);
    JsonObject& add(std::string_view key, const char* value) { return add(key, std::string_view(value)); }
    JsonObject& add(std::string_view key, const JsonObject& value);
    JsonObject& add_null(std::string_view key);
    template <typename T>
    JsonObject& add(std::string_view key, const std::optional<T>& value) {
        return value ? add(key, *value) : add_null(key);
    }

    std::string str() const { return "{" + body_ + "}"; }

private:
    JsonObject& raw(std::string_view key, std::string_view json);
    std::string body_;
};

}  // namespace camstream::bench
