// camstream-baseline-server: the design camstream claims to beat, for the
// benchmarks only. A thread per client, each copying the current frame under
// one global mutex and writing it with blocking send(). It speaks the same
// protocol (through protocol/) and serves the same JPEG folder as the daemon's
// file: source. Kept simple but honest: no deliberate slowness.
#include "client_threads.hpp"
#include "current_frame.hpp"
#include "frame_producer.hpp"
#include "jpeg_folder.hpp"

#include <CLI/CLI.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <csignal>
#include <iostream>

namespace {

volatile std::sig_atomic_t stop_requested = 0;

int listen_on_loopback(std::uint16_t port, std::uint16_t& bound_port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);  // loopback only, by construction
    // Same backlog as camstreamd's listener, so connection bursts meet the same queue.
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0 || ::listen(fd, 128) != 0) {
        ::close(fd);
        return -1;
    }
    socklen_t length = sizeof(address);
    getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    bound_port = ntohs(address.sin_port);
    return fd;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"camstream-baseline-server: thread-per-client comparison server (benchmarks only, loopback only)"};
    std::string frames_path;
    double fps = 30;
    std::uint16_t port = 0;
    double max_seconds = 900;
    std::size_t max_clients = 2000;
    app.add_option("--frames", frames_path, "folder of .jpg files to serve in a loop")->required();
    app.add_option("--fps", fps, "frame rate")->check(CLI::Range(0.1, 240.0));
    app.add_option("--port", port, "port on 127.0.0.1 (0: any free one)");
    app.add_option("--max-seconds", max_seconds, "exits by itself after this long")->check(CLI::Range(1.0, 3600.0));
    app.add_option("--max-clients", max_clients, "clients beyond this are told server full")
        ->check(CLI::Range(1, 20000));
    CLI11_PARSE(app, argc, argv);

    std::string error;
    const auto folder = camstream::bench::load_jpeg_folder(frames_path, error);
    if (!folder) {
        std::cerr << "camstream-baseline-server: " << error << "\n";
        return 1;
    }
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
    std::signal(SIGPIPE, SIG_IGN);
    std::signal(SIGTERM, [](int) { stop_requested = 1; });
    std::signal(SIGINT, [](int) { stop_requested = 1; });

    std::uint16_t bound_port = 0;
    const int listener = listen_on_loopback(port, bound_port);
    if (listener < 0) {
        std::cerr << "camstream-baseline-server: cannot listen on 127.0.0.1:" << port << "\n";
        return 1;
    }

    camstream::wire::StreamInfo info;
    info.width = folder->width;
    info.height = folder->height;
    info.fps_milli = static_cast<std::uint32_t>(std::lround(fps * 1000));
    info.server_version = "camstream-baseline-server";
    camstream::bench::CurrentFrame frame;
    std::uint64_t frames_produced = 0;
    std::uint64_t frames_sent = 0;
    std::uint64_t connections = 0;
    {
        camstream::bench::ClientThreads clients(frame, camstream::wire::encode_accept(info), max_clients);
        camstream::bench::FrameProducer producer(*folder, fps, frame);
        std::cerr << "camstream-baseline-server listening on 127.0.0.1:" << bound_port << " ("
                  << folder->jpegs.size() << " frames " << info.width << "x" << info.height << " at " << fps
                  << " fps)" << std::endl;

        const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(max_seconds);
        while (!stop_requested && std::chrono::steady_clock::now() < deadline) {
            pollfd watch{listener, POLLIN, 0};
            if (::poll(&watch, 1, 100) <= 0) {
                clients.reap();
                continue;
            }
            const int fd = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
            if (fd >= 0) clients.serve(fd);
        }
        ::close(listener);
        clients.stop_all();
        frames_sent = clients.frames_sent();
        connections = clients.connections();
        frames_produced = producer.frames_produced();
    }
    std::cerr << "camstream-baseline-server stopped: " << frames_produced << " frames produced, " << frames_sent
              << " sent, " << connections << " connections" << std::endl;
    return 0;
}
