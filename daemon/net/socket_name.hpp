// Printable names of socket addresses, e.g. 127.0.0.1:41234 or [::1]:10050.
#pragma once

#include <sys/socket.h>

#include <string>

namespace camstream {

// "127.0.0.1:41234", "[::1]:10050".
std::string socket_name(const sockaddr_storage& address);
// The host part alone, "127.0.0.1", "::1": what connections are counted by.
std::string host_name(const sockaddr_storage& address);
std::string local_name(int fd);

}  // namespace camstream
