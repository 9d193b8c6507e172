// The grammars of configuration values that are more than a number: durations,
// byte sizes and listen addresses, read and written back the same way; and the
// rule every value obeys: no control characters.
#pragma once

#include "config/settings.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace camstream {

// Where the first control character (below 0x20, or 0x7F) is, if any. No
// setting may hold one: a NUL makes a value mean one thing to the validator
// and another to the C function that later reads it ("127.0.0.1\0::10050"
// checks as loopback), and the others have no use in a name, path or address.
std::optional<std::size_t> find_control_character(std::string_view text);

std::optional<Duration> parse_duration(std::string_view text);      // 500ms, 10s, 2m, 1h
std::optional<std::size_t> parse_byte_size(std::string_view text);   // 4096, 512KiB, 4MiB, 1GiB

struct ListenAddress {
    std::string host;
    int port = 0;
};
std::optional<ListenAddress> parse_listen_address(std::string_view text);  // 0.0.0.0:10050, [::1]:0

// The shortest text the parsers above read back to the same value: 5s, 1500ms; 256KiB, 8MiB.
std::string format_duration(Duration duration);
std::string format_byte_size(std::size_t bytes);

}  // namespace camstream
