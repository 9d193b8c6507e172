// ClientThreads: see client_threads.hpp.
#include "client_threads.hpp"

#include "decoder.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <array>
#include <cerrno>

namespace camstream::bench {
namespace {

bool send_all(int fd, const std::uint8_t* data, std::size_t size) {
    while (size > 0) {
        const auto sent = ::send(fd, data, size, MSG_NOSIGNAL);
        if (sent < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        data += sent;
        size -= static_cast<std::size_t>(sent);
    }
    return true;
}

// Reads one ClientHello with blocking reads (bounded by SO_RCVTIMEO).
bool read_hello(int fd) {
    wire::ClientHelloDecoder decoder;
    std::array<std::uint8_t, 512> buffer{};
    for (;;) {
        const auto got = ::recv(fd, buffer.data(), buffer.size(), 0);
        if (got <= 0) return false;
        std::span<const std::uint8_t> input(buffer.data(), static_cast<std::size_t>(got));
        switch (decoder.feed(input)) {
            case wire::DecodeStatus::need_more:
                continue;
            case wire::DecodeStatus::error:
                return false;
            case wire::DecodeStatus::item:
                return true;
        }
    }
}

}  // namespace

void ClientThreads::serve(int fd) {
    ++connections_;
    reap();
    if (clients_.size() >= max_clients_) {
        const auto reply = wire::encode_reject(wire::Reason::server_full, "baseline server full");
        send_all(fd, reply.data(), reply.size());
        ::close(fd);
        return;
    }
    auto client = std::make_unique<Client>();
    client->fd = fd;
    Client& raw = *client;
    clients_.push_back(std::move(client));
    raw.thread = std::thread([this, &raw] { run_client(raw); });
}

void ClientThreads::run_client(Client& client) {
    const int fd = client.fd;
    const timeval hello_timeout{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &hello_timeout, sizeof(hello_timeout));
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (read_hello(fd) && send_all(fd, accept_reply_.data(), accept_reply_.size())) {
        std::vector<std::uint8_t> own_copy;
        std::uint64_t last = 0;
        // Blocking send: a client that stops reading holds this thread here,
        // which is the design's known weakness; it is not what we measure.
        while ((last = frame_.copy_next(last, own_copy)) != 0) {
            if (!send_all(fd, own_copy.data(), own_copy.size())) break;
            frames_sent_.fetch_add(1, std::memory_order_relaxed);
        }
    }
    client.done = true;
}

void ClientThreads::reap() {
    for (auto it = clients_.begin(); it != clients_.end();) {
        if (!(*it)->done) {
            ++it;
            continue;
        }
        (*it)->thread.join();
        ::close((*it)->fd);
        it = clients_.erase(it);
    }
}

void ClientThreads::stop_all() {
    frame_.stop();
    for (auto& client : clients_) ::shutdown(client->fd, SHUT_RDWR);
    for (auto& client : clients_) {
        if (client->thread.joinable()) client->thread.join();
        ::close(client->fd);
    }
    clients_.clear();
}

}  // namespace camstream::bench
