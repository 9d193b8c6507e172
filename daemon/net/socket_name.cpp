// Socket names: see socket_name.hpp.
#include "net/socket_name.hpp"

#include <fmt/format.h>

#include <array>

namespace camstream {
namespace {

std::string format(const sockaddr_storage& address) {
    std::array<char, 64> host{};
    if (address.ss_family == AF_INET6) {
        const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&address);
        uv_ip6_name(v6, host.data(), host.size());
        return fmt::format("[{}]:{}", host.data(), ntohs(v6->sin6_port));
    }
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&address);
    uv_ip4_name(v4, host.data(), host.size());
    return fmt::format("{}:{}", host.data(), ntohs(v4->sin_port));
}

}  // namespace

std::string peer_name(const uv_tcp_t* socket) {
    sockaddr_storage address{};
    int length = sizeof(address);
    if (uv_tcp_getpeername(socket, reinterpret_cast<sockaddr*>(&address), &length) != 0) return "?";
    return format(address);
}

std::string local_name(const uv_tcp_t* socket) {
    sockaddr_storage address{};
    int length = sizeof(address);
    if (uv_tcp_getsockname(socket, reinterpret_cast<sockaddr*>(&address), &length) != 0) return "?";
    return format(address);
}

}  // namespace camstream
