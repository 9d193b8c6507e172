// Socket names: see socket_name.hpp.
#include "net/socket_name.hpp"

#include <fmt/format.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>

namespace camstream {

std::string host_name(const sockaddr_storage& address) {
    std::array<char, INET6_ADDRSTRLEN> host{};
    if (address.ss_family == AF_INET6) {
        const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&address);
        if (inet_ntop(AF_INET6, &v6->sin6_addr, host.data(), host.size()) == nullptr) return "?";
    } else if (address.ss_family == AF_INET) {
        const auto* v4 = reinterpret_cast<const sockaddr_in*>(&address);
        if (inet_ntop(AF_INET, &v4->sin_addr, host.data(), host.size()) == nullptr) return "?";
    } else {
        return "?";
    }
    return host.data();
}

std::string socket_name(const sockaddr_storage& address) {
    if (address.ss_family == AF_INET6) {
        return fmt::format("[{}]:{}", host_name(address), ntohs(reinterpret_cast<const sockaddr_in6*>(&address)->sin6_port));
    }
    if (address.ss_family == AF_INET) {
        return fmt::format("{}:{}", host_name(address), ntohs(reinterpret_cast<const sockaddr_in*>(&address)->sin_port));
    }
    return "?";
}

std::string local_name(int fd) {
    sockaddr_storage address{};
    socklen_t length = sizeof(address);
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return "?";
    return socket_name(address);
}

}  // namespace camstream
