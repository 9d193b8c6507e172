// LoopbackAddress: the only kind of target the load generator will connect to.
//
// The harness opens thousands of connections a second; aimed anywhere but this
// machine that is a flood, so the check sits in one place and every socket the
// load generator opens goes through it.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>

namespace camstream::bench {

struct LoopbackAddress {
    sockaddr_storage storage{};
    socklen_t length = 0;
    std::uint16_t port = 0;
    std::string text;  // as given, for the report
};

// Parses "127.x.y.z:PORT", "localhost:PORT" or "[::1]:PORT". Anything outside
// 127.0.0.0/8 and ::1 is refused with a reason in `error`.
std::optional<LoopbackAddress> parse_loopback_target(const std::string& target, std::string& error);
// The same for a bare address ("127.0.0.2", "::1", "localhost") and a port
// given apart (0: any), e.g. a local address to connect from.
std::optional<LoopbackAddress> parse_loopback_host(std::string host, std::uint16_t port, std::string& error);

}  // namespace camstream::bench
