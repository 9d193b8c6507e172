// Listener: one listening TCP socket, for one viewer protocol. It accepts
// connections itself (accept4, so every connection is known by its address
// from its first moment, even one whose peer has already gone), lets the hub
// refuse or take each, and survives running out of file descriptors.
#pragma once

#include "net/uv_handle.hpp"

#include <memory>
#include <string>

namespace camstream {

class Hub;

class Listener {
public:
    Listener(uv_loop_t* loop, Hub& hub, int protocol);
    ~Listener();
    Listener(const Listener&) = delete;
    Listener& operator=(const Listener&) = delete;

    // Binds and listens on HOST:PORT (port 0 = any free port); false with a reason.
    bool listen(const std::string& address, std::string& error);
    // Listens on a socket that is already bound, e.g. one passed in by systemd.
    bool adopt(int fd, std::string& error);
    // The address actually bound, e.g. 127.0.0.1:41234.
    std::string local_address() const;
    void stop();

private:
    bool start_listening(int fd, bool already_listening, std::string& error);
    void accept_pending();
    void shed_one_connection();

    uv_loop_t* loop_;
    Hub& hub_;
    int protocol_;
    int fd_ = -1;
    // Held in reserve: when the process is out of descriptors, it is closed to
    // accept and at once close the next connection, which otherwise would sit
    // in the backlog and wake the loop forever.
    int spare_fd_ = -1;
    std::unique_ptr<UvHandle<uv_poll_t>> poll_;
};

}  // namespace camstream
