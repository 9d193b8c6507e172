// The integration tests' viewer (see test_client.hpp).
#include "support/test_client.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <sstream>
#include <stdexcept>

namespace camstream::test {

namespace {

[[noreturn]] void throw_errno(const std::string& what) {
    throw std::runtime_error(what + ": " + std::strerror(errno));
}

sockaddr_in loopback(std::uint16_t port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return address;
}

std::uint16_t bound_port(int fd) {
    sockaddr_in address{};
    socklen_t length = sizeof address;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        throw_errno("getsockname");
    }
    return ntohs(address.sin_port);
}

int milliseconds_until(Clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<Duration>(deadline - Clock::now()).count();
    return static_cast<int>(std::clamp<long long>(left, 0, 50));
}

}  // namespace

std::string_view to_string(Ending ending) {
    switch (ending) {
        case Ending::open: return "open";
        case Ending::end_of_stream: return "end of stream";
        case Ending::reset: return "connection reset";
        case Ending::decode_error: return "decode error";
    }
    return "?";
}

bool is_complete_jpeg(std::span<const std::uint8_t> bytes) {
    return bytes.size() >= 4 && bytes[0] == 0xFF && bytes[1] == 0xD8 &&
           bytes[bytes.size() - 2] == 0xFF && bytes[bytes.size() - 1] == 0xD9;
}

std::uint64_t payload_digest(std::span<const std::uint8_t> bytes) {
    std::uint64_t digest = 0xcbf29ce484222325ULL;
    for (const auto byte : bytes) digest = (digest ^ byte) * 0x100000001b3ULL;
    return digest;
}

TestClient::TestClient(std::uint16_t port) : TestClient(port, Options{}) {}

TestClient::TestClient(std::uint16_t port, Options options) : options_(options) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw_errno("socket");
    if (options.receive_buffer_bytes > 0) {
        // Before connect: the window scale is fixed during the handshake.
        if (setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &options.receive_buffer_bytes,
                       sizeof options.receive_buffer_bytes) != 0) {
            throw_errno("SO_RCVBUF");
        }
    }
    if (!options.source_address.empty()) {
        sockaddr_in source{};
        source.sin_family = AF_INET;
        if (inet_pton(AF_INET, options.source_address.c_str(), &source.sin_addr) != 1) {
            throw std::runtime_error("bad source address " + options.source_address);
        }
        if (bind(fd_, reinterpret_cast<const sockaddr*>(&source), sizeof source) != 0) throw_errno("bind");
        source_address_ = options.source_address;
    }
    // A loopback connect completes or is refused at once; the backlog cannot make
    // it wait long, but bound it anyway.
    timeval timeout{10, 0};
    setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    const auto address = loopback(port);
    if (connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        const auto message = "connect to 127.0.0.1:" + std::to_string(port);
        close(fd_);
        fd_ = -1;
        throw_errno(message);
    }
    connected_at_ = Clock::now();
    local_port_ = bound_port(fd_);
    fcntl(fd_, F_SETFL, fcntl(fd_, F_GETFL) | O_NONBLOCK);
}

TestClient::~TestClient() {
    if (fd_ >= 0) close(fd_);
}

std::string TestClient::peer_name() const { return source_address_ + ":" + std::to_string(local_port_); }

bool TestClient::send_bytes(std::span<const std::uint8_t> bytes) {
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (!bytes.empty()) {
        const auto sent = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (sent > 0) {
            bytes = bytes.subspan(static_cast<std::size_t>(sent));
            continue;
        }
        if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            if (Clock::now() >= deadline) return false;
            pollfd entry{fd_, POLLOUT, 0};
            poll(&entry, 1, 50);
            continue;
        }
        return false;  // EPIPE, ECONNRESET: the server is gone
    }
    return true;
}

bool TestClient::send_bytes(std::string_view text) {
    return send_bytes(std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

bool TestClient::send_hello(std::uint16_t max_fps, const std::string& token) {
    wire::ClientHello hello;
    hello.max_fps = max_fps;
    hello.audio = options_.audio;
    hello.token = token;
    return send_bytes(wire::encode(hello));
}

wire::ServerHello TestClient::handshake(std::uint16_t max_fps, Duration timeout) {
    send_hello(max_fps);
    TestClient* self[] = {this};
    pump_until(self, [&] { return server_hello_.has_value() || ended(); }, timeout);
    if (!server_hello_) {
        throw std::runtime_error("no ServerHello from the daemon: " + summary());
    }
    return *server_hello_;
}

bool TestClient::receive_frames(std::size_t count, Duration timeout) {
    const auto target = frames_.size() + count;
    TestClient* self[] = {this};
    return pump_until(self, [&] { return frames_.size() >= target; }, timeout);
}

bool TestClient::read_until_closed(Duration timeout) {
    TestClient* self[] = {this};
    return pump_until(self, [&] { return ended(); }, timeout);
}

bool TestClient::read_available() {
    if (ended()) return false;
    std::array<std::uint8_t, 64 * 1024> buffer{};
    // A bounded number of reads per call, so one busy client cannot starve the others.
    for (int round = 0; round < 16; ++round) {
        const auto got = ::recv(fd_, buffer.data(), buffer.size(), 0);
        if (got < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
            ending_ = Ending::reset;
            return false;
        }
        if (got == 0) {
            ending_ = Ending::end_of_stream;
            return false;
        }
        bytes_received_ += static_cast<std::uint64_t>(got);
        std::span<const std::uint8_t> input(buffer.data(), static_cast<std::size_t>(got));
        for (;;) {
            const auto status = decoder_.next(input);
            if (status == wire::DecodeStatus::need_more) break;
            if (status == wire::DecodeStatus::error) {
                decode_error_ = decoder_.error();
                decode_error_text_ = decoder_.error_text();
                ending_ = Ending::decode_error;
                return false;
            }
            handle_item();
        }
    }
    return true;
}

void TestClient::handle_item() {
    const auto now = Clock::now();
    if (decoder_.item_is_server_hello()) {
        server_hello_ = decoder_.server_hello();
        server_hello_at_ = now;
        return;
    }
    const auto& header = decoder_.header();
    const auto& payload = decoder_.payload();
    switch (header.type) {
        case wire::MessageType::video_frame:
            frames_.push_back({header.sequence, header.timestamp_us, header.payload_length,
                               is_complete_jpeg(payload), payload_digest(payload), now});
            if (options_.keep_payloads) payloads_.emplace_back(payload.begin(), payload.end());
            return;
        case wire::MessageType::heartbeat: {
            ReceivedHeartbeat heartbeat;
            heartbeat.sequence = header.sequence;
            heartbeat.timestamp_us = header.timestamp_us;
            heartbeat.payload_valid = wire::parse_payload(payload, heartbeat.heartbeat);
            heartbeat.received_at = now;
            heartbeats_.push_back(heartbeat);
            return;
        }
        case wire::MessageType::audio_packet:
            audio_.push_back({header.sequence, header.timestamp_us, payload, now});
            audio_bytes_received_ += wire::kMessageHeaderSize + payload.size();
            return;
        case wire::MessageType::goodbye: {
            wire::Goodbye goodbye;
            if (!wire::parse_payload(payload, goodbye)) goodbye.reason = wire::Reason::none;
            goodbye_ = goodbye;
            return;
        }
    }
    skipped_types_.push_back(static_cast<std::uint16_t>(header.type));
}

std::string TestClient::summary() const {
    std::ostringstream out;
    out << "client " << peer_name() << ": ";
    if (server_hello_) {
        out << "hello status " << static_cast<int>(server_hello_->status) << " ("
            << wire::to_string(server_hello_->status) << ")";
        if (!server_hello_->accepted()) out << " text '" << server_hello_->reason_text << "'";
    } else {
        out << "no hello";
    }
    out << ", " << frames_.size() << " frames";
    if (!frames_.empty()) {
        out << " (seq " << frames_.front().sequence << ".." << frames_.back().sequence << ")";
    }
    out << ", " << heartbeats_.size() << " heartbeats, " << audio_.size() << " audio packets";
    if (!audio_.empty()) out << " (seq " << audio_.front().sequence << ".." << audio_.back().sequence << ")";
    out << ", " << bytes_received_ << " bytes";
    if (goodbye_) {
        out << ", goodbye " << static_cast<int>(goodbye_->reason) << " ("
            << wire::to_string(goodbye_->reason) << ") '" << goodbye_->text << "'";
    }
    out << ", " << to_string(ending_);
    if (ending_ == Ending::decode_error) out << ": " << decode_error_text_;
    return out.str();
}

std::size_t TestClient::frames_between(Clock::time_point from, Clock::time_point to) const {
    return static_cast<std::size_t>(std::count_if(frames_.begin(), frames_.end(), [&](const auto& f) {
        return f.received_at >= from && f.received_at < to;
    }));
}

bool pump_until(std::span<TestClient* const> clients, const std::function<bool()>& done,
                Duration timeout) {
    const auto deadline = Clock::now() + timeout;
    std::vector<pollfd> entries;
    std::vector<TestClient*> polled;
    for (;;) {
        if (done()) return true;
        if (Clock::now() >= deadline) return done();
        entries.clear();
        polled.clear();
        for (auto* client : clients) {
            if (client->ended()) continue;
            entries.push_back({client->fd(), POLLIN, 0});
            polled.push_back(client);
        }
        if (entries.empty()) {
            std::this_thread::sleep_for(Duration(milliseconds_until(deadline)));
            continue;
        }
        const int ready = poll(entries.data(), entries.size(), milliseconds_until(deadline));
        if (ready < 0 && errno != EINTR) throw_errno("poll");
        for (std::size_t i = 0; ready > 0 && i < entries.size(); ++i) {
            if (entries[i].revents != 0) polled[i]->read_available();
        }
    }
}

void pump_for(std::span<TestClient* const> clients, Duration duration) {
    pump_until(clients, [] { return false; }, duration);
}

void handshake_all(std::span<TestClient* const> clients, std::uint16_t max_fps, Duration timeout) {
    for (auto* client : clients) client->send_hello(max_fps);
    wait_for_hellos(clients, timeout);
}

void wait_for_hellos(std::span<TestClient* const> clients, Duration timeout) {
    pump_until(
        clients,
        [&] {
            return std::all_of(clients.begin(), clients.end(), [](const TestClient* client) {
                return client->server_hello().has_value() || client->ended();
            });
        },
        timeout);
    for (auto* client : clients) {
        if (!client->server_hello()) {
            throw std::runtime_error("no ServerHello from the daemon: " + client->summary());
        }
    }
}

UnusedPort::UnusedPort() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw_errno("socket");
    const auto address = loopback(0);
    if (bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        throw_errno("bind");
    }
    port_ = bound_port(fd_);
}

UnusedPort::~UnusedPort() { close(fd_); }

}  // namespace camstream::test
