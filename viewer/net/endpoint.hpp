// Endpoint: the HOST[:PORT] argument, parsed once, and how it is shown to the user.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace camstream::viewer {

struct Endpoint {
    std::string host;  // name, IPv4 or IPv6 literal (without brackets)
    std::uint16_t port = 0;
};

struct EndpointParse {
    std::optional<Endpoint> endpoint;
    std::string error;  // why the text is not an endpoint, when endpoint is empty
};

// Accepts "host", "host:port", "[v6]", "[v6]:port" and a bare IPv6 literal.
EndpointParse parse_endpoint(std::string_view text, std::uint16_t default_port);

// "host:port", or "[v6]:port" so the result parses back to the same endpoint.
std::string to_string(const Endpoint& endpoint);

}  // namespace camstream::viewer
