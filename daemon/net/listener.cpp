// Listener: see listener.hpp.
#include "net/listener.hpp"

#include "config/config.hpp"
#include "hub/hub.hpp"
#include "net/socket_name.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace camstream {
namespace {

// Connections accepted per wake-up: enough for a burst, without starving the
// viewers' writes behind a flood of connects.
constexpr int kAcceptsPerWake = 64;
constexpr int kBacklog = 128;

std::string errno_text(int error) { return std::strerror(error); }

}  // namespace

Listener::Listener(uv_loop_t* loop, Hub& hub, int protocol)
    : loop_(loop), hub_(hub), protocol_(protocol), spare_fd_(open("/dev/null", O_RDONLY | O_CLOEXEC)) {}

Listener::~Listener() {
    stop();
    if (spare_fd_ >= 0) ::close(spare_fd_);
}

bool Listener::listen(const std::string& address, std::string& error) {
    const auto parsed = parse_listen_address(address);
    if (!parsed) {
        error = "bad listen address '" + address + "'";
        return false;
    }
    sockaddr_storage storage{};
    socklen_t length = 0;
    const bool v6 = parsed->host.find(':') != std::string::npos;
    // The address was validated, but a bind must never fall back to "any" on a parse failure.
    const int rc = v6 ? uv_ip6_addr(parsed->host.c_str(), parsed->port, reinterpret_cast<sockaddr_in6*>(&storage))
                      : uv_ip4_addr(parsed->host.c_str(), parsed->port, reinterpret_cast<sockaddr_in*>(&storage));
    if (rc != 0) {
        error = "bad listen address '" + address + "': " + uv_strerror(rc);
        return false;
    }
    length = v6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
    const int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error = "cannot create a socket: " + errno_text(errno);
        return false;
    }
    const int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    if (bind(fd, reinterpret_cast<const sockaddr*>(&storage), length) != 0) {
        error = "cannot bind " + address + ": " + errno_text(errno);
        ::close(fd);
        return false;
    }
    return start_listening(fd, false, error);
}

bool Listener::adopt(int fd, std::string& error) {
    const int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) {
        error = "cannot use the socket passed in: " + errno_text(errno);
        return false;
    }
    return start_listening(fd, true, error);
}

bool Listener::start_listening(int fd, bool already_listening, std::string& error) {
    if (!already_listening && ::listen(fd, kBacklog) != 0) {
        error = "cannot listen: " + errno_text(errno);
        ::close(fd);
        return false;
    }
    fd_ = fd;
    poll_ = std::make_unique<UvHandle<uv_poll_t>>(loop_, uv_poll_init, fd_);
    poll_->get()->data = this;
    check_uv(uv_poll_start(poll_->get(), UV_READABLE,
                           [](uv_poll_t* handle, int status, int) {
                               auto* listener = static_cast<Listener*>(handle->data);
                               if (status == 0) listener->accept_pending();
                           }),
             "uv_poll_start");
    return true;
}

std::string Listener::local_address() const { return fd_ >= 0 ? local_name(fd_) : "?"; }

void Listener::stop() {
    // The poll handle must let go of the descriptor before it is closed.
    if (poll_) poll_->close();
    poll_.reset();
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

void Listener::accept_pending() {
    for (int i = 0; i < kAcceptsPerWake && fd_ >= 0; ++i) {
        sockaddr_storage address{};
        socklen_t length = sizeof(address);
        const int fd = accept4(fd_, reinterpret_cast<sockaddr*>(&address), &length, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            hub_.add_connection(protocol_, fd, address);
            continue;
        }
        if (errno == EINTR || errno == ECONNABORTED) continue;
        if (errno == EMFILE || errno == ENFILE) {
            shed_one_connection();
            continue;
        }
        return;  // EAGAIN: the backlog is empty
    }
}

void Listener::shed_one_connection() {
    sockaddr_storage address{};
    if (spare_fd_ >= 0) {
        ::close(spare_fd_);
        socklen_t length = sizeof(address);
        if (const int fd = accept4(fd_, reinterpret_cast<sockaddr*>(&address), &length, SOCK_CLOEXEC); fd >= 0) {
            ::close(fd);
        }
        spare_fd_ = open("/dev/null", O_RDONLY | O_CLOEXEC);
    }
    hub_.refuse_without_descriptor(protocol_, address);
}

}  // namespace camstream
