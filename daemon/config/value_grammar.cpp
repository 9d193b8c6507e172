// Durations, byte sizes, listen addresses and control characters (see value_grammar.hpp).
#include "config/value_grammar.hpp"

#include <uv.h>

#include <charconv>
#include <cmath>

namespace camstream {
namespace {

// Splits "12.5ms" into 12.5 and "ms"; false when the number part is missing.
bool split_number_unit(std::string_view text, double& number, std::string_view& unit) {
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (ec != std::errc{} || end == text.data() || !std::isfinite(number) || number < 0) return false;
    unit = text.substr(static_cast<std::size_t>(end - text.data()));
    while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
    return true;
}

}  // namespace

std::optional<std::size_t> find_control_character(std::string_view text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x20 || c == 0x7F) return i;
    }
    return std::nullopt;
}

std::optional<Duration> parse_duration(std::string_view text) {
    double number = 0;
    std::string_view unit;
    if (!split_number_unit(text, number, unit)) return std::nullopt;
    double ms_per_unit = 0;
    if (unit == "ms") ms_per_unit = 1;
    else if (unit == "s") ms_per_unit = 1000;
    else if (unit == "m" || unit == "min") ms_per_unit = 60'000;
    else if (unit == "h") ms_per_unit = 3'600'000;
    else return std::nullopt;
    const double ms = number * ms_per_unit;
    if (ms > 1e12) return std::nullopt;
    return Duration(static_cast<Duration::rep>(std::llround(ms)));
}

std::optional<std::size_t> parse_byte_size(std::string_view text) {
    double number = 0;
    std::string_view unit;
    if (!split_number_unit(text, number, unit)) return std::nullopt;
    double multiplier = 0;
    if (unit.empty() || unit == "B") multiplier = 1;
    else if (unit == "KiB" || unit == "K" || unit == "k") multiplier = 1024.0;
    else if (unit == "MiB" || unit == "M") multiplier = 1024.0 * 1024.0;
    else if (unit == "GiB" || unit == "G") multiplier = 1024.0 * 1024.0 * 1024.0;
    else if (unit == "kB" || unit == "KB") multiplier = 1000.0;
    else if (unit == "MB") multiplier = 1e6;
    else if (unit == "GB") multiplier = 1e9;
    else return std::nullopt;
    const double bytes = number * multiplier;
    if (bytes > 1e15 || bytes != std::floor(bytes)) return std::nullopt;
    return static_cast<std::size_t>(bytes);
}

std::optional<ListenAddress> parse_listen_address(std::string_view text) {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    ListenAddress address;
    auto host = text.substr(0, colon);
    const auto port_text = text.substr(colon + 1);
    // from_chars would take "-0" as port 0.
    if (port_text.empty() || port_text.front() < '0' || port_text.front() > '9') return std::nullopt;
    const auto [end, ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), address.port);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || address.port < 0 ||
        address.port > 65535) {
        return std::nullopt;
    }
    const bool bracketed = host.size() >= 2 && host.front() == '[' && host.back() == ']';
    if (bracketed) host = host.substr(1, host.size() - 2);
    address.host = std::string(host);
    sockaddr_in v4{};
    sockaddr_in6 v6{};
    const bool is_v4 = !bracketed && uv_ip4_addr(address.host.c_str(), address.port, &v4) == 0;
    const bool is_v6 = bracketed && uv_ip6_addr(address.host.c_str(), address.port, &v6) == 0;
    if (!is_v4 && !is_v6) return std::nullopt;
    return address;
}

std::string format_duration(Duration duration) {
    const auto ms = duration.count();
    if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
    return std::to_string(ms) + "ms";
}

std::string format_byte_size(std::size_t bytes) {
    if (bytes % (1u << 20) == 0) return std::to_string(bytes >> 20) + "MiB";
    if (bytes % (1u << 10) == 0) return std::to_string(bytes >> 10) + "KiB";
    return std::to_string(bytes);
}

}  // namespace camstream
