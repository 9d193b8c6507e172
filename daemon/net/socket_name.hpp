// Printable names of a TCP socket's two ends, e.g. 127.0.0.1:41234 or [::1]:10050.
#pragma once

#include <uv.h>

#include <string>

namespace camstream {

std::string peer_name(const uv_tcp_t* socket);
std::string local_name(const uv_tcp_t* socket);

}  // namespace camstream
