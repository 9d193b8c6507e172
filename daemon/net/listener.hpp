// Listener: one listening TCP socket, for one viewer protocol. Accepts
// connections and hands each to the hub, labelled with that protocol.
#pragma once

#include "net/uv_handle.hpp"

#include <functional>
#include <memory>
#include <string>

namespace camstream {

class Hub;

class Listener {
public:
    Listener(uv_loop_t* loop, Hub& hub, int protocol, std::size_t max_connections);

    // Binds and listens on HOST:PORT (port 0 = any free port); false with a reason.
    bool listen(const std::string& address, std::string& error);
    // Listens on a socket that is already bound, e.g. one passed in by systemd.
    bool adopt(int fd, std::string& error);
    // The address actually bound, e.g. 127.0.0.1:41234.
    std::string local_address() const;
    void set_max_connections(std::size_t max_connections) { max_connections_ = max_connections; }
    void stop();

private:
    bool start_listening(std::string& error);
    void on_connection(int status);

    uv_loop_t* loop_;
    Hub& hub_;
    int protocol_;
    std::size_t max_connections_;
    UvHandle<uv_tcp_t> listener_;
};

}  // namespace camstream
