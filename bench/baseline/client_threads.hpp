// ClientThreads: one thread per connected client, each doing blocking I/O:
// read the hello, send the stream info, then loop copy-the-frame, send-it.
#pragma once

#include "current_frame.hpp"
#include "wire.hpp"

#include <atomic>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <thread>

namespace camstream::bench {

class ClientThreads {
public:
    ClientThreads(CurrentFrame& frame, wire::Bytes accept_reply, std::size_t max_clients)
        : frame_(frame), accept_reply_(std::move(accept_reply)), max_clients_(max_clients) {}
    ~ClientThreads() { stop_all(); }
    ClientThreads(const ClientThreads&) = delete;
    ClientThreads& operator=(const ClientThreads&) = delete;

    // Takes an accepted socket: a new thread serves it, or it is told "server full".
    void serve(int fd);
    // Joins the threads whose clients have gone.
    void reap();
    // Unblocks every client thread (shutdown of its socket) and joins them all.
    void stop_all();

    std::uint64_t connections() const { return connections_; }
    std::uint64_t frames_sent() const { return frames_sent_.load(); }

private:
    struct Client {
        int fd = -1;
        std::atomic<bool> done{false};
        std::thread thread;
    };
    void run_client(Client& client);

    CurrentFrame& frame_;
    wire::Bytes accept_reply_;
    std::size_t max_clients_;
    std::list<std::unique_ptr<Client>> clients_;
    std::uint64_t connections_ = 0;
    std::atomic<std::uint64_t> frames_sent_{0};
};

}  // namespace camstream::bench
