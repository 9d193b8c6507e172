// Listener: see listener.hpp.
#include "net/listener.hpp"

#include "config/config.hpp"
#include "hub/hub.hpp"
#include "net/socket_name.hpp"

#include <spdlog/spdlog.h>

namespace camstream {

Listener::Listener(uv_loop_t* loop, Hub& hub, int protocol, std::size_t max_connections)
    : loop_(loop), hub_(hub), protocol_(protocol), max_connections_(max_connections), listener_(loop, uv_tcp_init) {
    listener_.get()->data = this;
}

bool Listener::listen(const std::string& address, std::string& error) {
    const auto parsed = parse_listen_address(address);
    if (!parsed) {
        error = "bad listen address '" + address + "'";
        return false;
    }
    sockaddr_storage storage{};
    if (parsed->host.find(':') != std::string::npos) {
        uv_ip6_addr(parsed->host.c_str(), parsed->port, reinterpret_cast<sockaddr_in6*>(&storage));
    } else {
        uv_ip4_addr(parsed->host.c_str(), parsed->port, reinterpret_cast<sockaddr_in*>(&storage));
    }
    const int rc = uv_tcp_bind(listener_.get(), reinterpret_cast<const sockaddr*>(&storage), 0);
    if (rc != 0) {
        error = "cannot bind " + address + ": " + uv_strerror(rc);
        return false;
    }
    return start_listening(error);
}

bool Listener::adopt(int fd, std::string& error) {
    const int rc = uv_tcp_open(listener_.get(), fd);
    if (rc != 0) {
        error = std::string("cannot use the socket passed in: ") + uv_strerror(rc);
        return false;
    }
    return start_listening(error);
}

bool Listener::start_listening(std::string& error) {
    const int rc = uv_listen(listener_.stream(), 128, [](uv_stream_t* server, int status) {
        static_cast<Listener*>(server->data)->on_connection(status);
    });
    if (rc != 0) {
        error = std::string("cannot listen: ") + uv_strerror(rc);
        return false;
    }
    return true;
}

std::string Listener::local_address() const { return local_name(listener_.get()); }

void Listener::stop() { listener_.close(); }

void Listener::on_connection(int status) {
    if (status != 0) {
        spdlog::warn("accept failed: {}", uv_strerror(status));
        return;
    }
    auto socket = std::make_unique<UvHandle<uv_tcp_t>>(loop_, uv_tcp_init);
    if (const int rc = uv_accept(listener_.stream(), socket->stream()); rc != 0) {
        spdlog::warn("accept failed: {}", uv_strerror(rc));
        return;
    }
    // Connections still in their handshake count too, so a flood of idle
    // connects cannot exhaust file descriptors; full servers answer properly
    // (server full) once a hello arrives, within this margin.
    if (hub_.connections() >= max_connections_) {
        spdlog::warn("connection refused: {} connections open (limit {})", hub_.connections(),
                     max_connections_);
        return;  // the handle's destructor closes the socket
    }
    hub_.add_connection(protocol_, std::move(socket));
}

}  // namespace camstream
