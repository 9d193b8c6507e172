// Parsing and printing of the HOST[:PORT] argument.
#include "net/endpoint.hpp"

#include <charconv>

namespace camstream::viewer {

namespace {

EndpointParse fail(std::string error) { return {std::nullopt, std::move(error)}; }

std::optional<std::uint16_t> parse_port(std::string_view text) {
    unsigned value = 0;
    const auto* end = text.data() + text.size();
    const auto [stop, error] = std::from_chars(text.data(), end, value);
    if (text.empty() || error != std::errc{} || stop != end || value == 0 || value > 65535) {
        return std::nullopt;
    }
    return static_cast<std::uint16_t>(value);
}

}  // namespace

EndpointParse parse_endpoint(std::string_view text, std::uint16_t default_port) {
    std::string_view host = text;
    std::string_view port_text;
    if (text.starts_with('[')) {
        const auto close = text.find(']');
        if (close == std::string_view::npos) return fail("missing ']' after the IPv6 address");
        host = text.substr(1, close - 1);
        const auto rest = text.substr(close + 1);
        if (!rest.empty()) {
            if (!rest.starts_with(':')) return fail("expected ':PORT' after ']'");
            port_text = rest.substr(1);
            if (port_text.empty()) return fail("empty port after ':'");
        }
    } else if (const auto colon = text.find(':'); colon != std::string_view::npos) {
        // More than one colon and no brackets: a bare IPv6 literal without a port.
        if (text.find(':', colon + 1) == std::string_view::npos) {
            host = text.substr(0, colon);
            port_text = text.substr(colon + 1);
            if (port_text.empty()) return fail("empty port after ':'");
        }
    }
    if (host.empty()) return fail("empty host");

    Endpoint endpoint{std::string(host), default_port};
    if (!port_text.empty()) {
        const auto port = parse_port(port_text);
        if (!port) return fail("port '" + std::string(port_text) + "' is not a number in 1..65535");
        endpoint.port = *port;
    }
    return {std::move(endpoint), {}};
}

std::string to_string(const Endpoint& endpoint) {
    const bool ipv6 = endpoint.host.find(':') != std::string::npos;
    const auto host = ipv6 ? "[" + endpoint.host + "]" : endpoint.host;
    return host + ":" + std::to_string(endpoint.port);
}

}  // namespace camstream::viewer
