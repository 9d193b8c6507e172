// ServerSocketStates: see server_socket_states.hpp.
#include "server_socket_states.hpp"

#include <fstream>
#include <string>

namespace camstream::bench {
namespace {

// "0100007F:2742" -> 0x2742; the port is the four hex digits after the colon.
bool port_of(const std::string& address, std::uint16_t& port) {
    const auto colon = address.rfind(':');
    if (colon == std::string::npos) return false;
    port = static_cast<std::uint16_t>(std::stoul(address.substr(colon + 1), nullptr, 16));
    return true;
}

void read_table(const char* path, std::uint16_t server_port, std::unordered_map<std::uint16_t, int>& out) {
    std::ifstream table(path);
    std::string line;
    std::getline(table, line);  // column titles
    // Columns: sl local_address rem_address st ...
    while (std::getline(table, line)) {
        const auto local_begin = line.find(':') + 2;
        const auto local_end = line.find(' ', local_begin);
        const auto remote_end = line.find(' ', local_end + 1);
        const auto state_end = line.find(' ', remote_end + 1);
        if (local_end == std::string::npos || remote_end == std::string::npos || state_end == std::string::npos) {
            continue;
        }
        std::uint16_t local_port = 0;
        std::uint16_t remote_port = 0;
        if (!port_of(line.substr(local_begin, local_end - local_begin), local_port) || local_port != server_port) {
            continue;
        }
        if (!port_of(line.substr(local_end + 1, remote_end - local_end - 1), remote_port)) continue;
        out[remote_port] = std::stoi(line.substr(remote_end + 1, state_end - remote_end - 1), nullptr, 16);
    }
}

}  // namespace

std::unordered_map<std::uint16_t, int> server_socket_states(std::uint16_t server_port) {
    std::unordered_map<std::uint16_t, int> states;
    read_table("/proc/net/tcp", server_port, states);
    read_table("/proc/net/tcp6", server_port, states);
    return states;
}

}  // namespace camstream::bench
