// LoopbackAddress: see loopback_address.hpp.
#include "loopback_address.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <charconv>
#include <cstring>

namespace camstream::bench {

std::optional<LoopbackAddress> parse_loopback_target(const std::string& target, std::string& error) {
    std::string host;
    std::string port_text;
    if (!target.empty() && target.front() == '[') {
        const auto close = target.find("]:");
        if (close == std::string::npos) {
            error = "expected [IPV6]:PORT, got '" + target + "'";
            return std::nullopt;
        }
        host = target.substr(1, close - 1);
        port_text = target.substr(close + 2);
    } else {
        const auto colon = target.rfind(':');
        if (colon == std::string::npos) {
            error = "expected HOST:PORT, got '" + target + "'";
            return std::nullopt;
        }
        host = target.substr(0, colon);
        port_text = target.substr(colon + 1);
    }
    unsigned port = 0;
    const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || port == 0 || port > 65535) {
        error = "bad port '" + port_text + "'";
        return std::nullopt;
    }
    auto address = parse_loopback_host(host, static_cast<std::uint16_t>(port), error);
    if (address) address->text = target;
    return address;
}

std::optional<LoopbackAddress> parse_loopback_host(std::string host, std::uint16_t port, std::string& error) {
    if (host == "localhost") host = "127.0.0.1";

    LoopbackAddress address;
    address.port = port;
    address.text = host;
    in_addr v4{};
    in6_addr v6{};
    if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
        // 127.0.0.0/8: the first octet of the address in network order.
        if ((ntohl(v4.s_addr) >> 24) != 127) {
            error = "refusing " + host + ": the load generator only targets loopback (127.0.0.0/8, ::1)";
            return std::nullopt;
        }
        sockaddr_in out{};
        out.sin_family = AF_INET;
        out.sin_port = htons(address.port);
        out.sin_addr = v4;
        std::memcpy(&address.storage, &out, sizeof(out));
        address.length = sizeof(out);
        return address;
    }
    if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
        if (!IN6_IS_ADDR_LOOPBACK(&v6)) {
            error = "refusing " + host + ": the load generator only targets loopback (127.0.0.0/8, ::1)";
            return std::nullopt;
        }
        sockaddr_in6 out{};
        out.sin6_family = AF_INET6;
        out.sin6_port = htons(address.port);
        out.sin6_addr = v6;
        std::memcpy(&address.storage, &out, sizeof(out));
        address.length = sizeof(out);
        return address;
    }
    // Names other than localhost are refused rather than resolved: a resolver
    // could map them anywhere.
    error = "refusing '" + host + "': give a numeric loopback address (127.0.0.0/8 or ::1)";
    return std::nullopt;
}

}  // namespace camstream::bench
