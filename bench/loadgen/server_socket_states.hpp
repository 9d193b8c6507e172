// ServerSocketStates: the server's end of our connections, read from
// /proc/net/tcp and /proc/net/tcp6.
//
// Why: a viewer that stopped reading cannot see the server cut it off. The
// server's FIN (or its unsent data) waits behind the bytes the viewer never
// read, and its receive window is zero, so no EOF ever reaches it. On loopback
// both ends live in this kernel, so the server's side of each connection is
// visible: once it leaves ESTABLISHED (FIN_WAIT1 with data still queued, or
// gone), the server has closed that viewer.
#pragma once

#include <cstdint>
#include <unordered_map>

namespace camstream::bench {

// Kernel TCP states as /proc/net/tcp prints them (hex).
inline constexpr int kTcpEstablished = 0x01;

// For every socket whose local port is `server_port`: remote port -> state.
std::unordered_map<std::uint16_t, int> server_socket_states(std::uint16_t server_port);

}  // namespace camstream::bench
