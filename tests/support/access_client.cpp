// Access clients: see access_client.hpp.
#include "support/access_client.hpp"

#include <doctest/doctest.h>

#include <poll.h>
#include <sys/socket.h>

#include <fstream>

namespace camstream::test {

using namespace std::chrono_literals;

ProcessResult run_camstreamd(const std::vector<std::string>& arguments, Duration timeout) {
    std::vector<std::string> argv{CAMSTREAMD_PATH};
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    return run_process(argv, timeout);
}

void write_text(const std::filesystem::path& path, const std::string& text) {
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file << text;
}

TestClient::Options from_address(const std::string& address) {
    TestClient::Options options;
    options.source_address = address;
    return options;
}

wire::ServerHello hello(TestClient& client, const std::string& credential, std::uint16_t max_fps) {
    REQUIRE(client.send_hello(max_fps, credential));
    TestClient* one[] = {&client};
    wait_for_hellos(one, 10s);
    return *client.server_hello();
}

wire::ServerHello tcp_attempt(std::uint16_t port, const std::string& credential, const std::string& source) {
    TestClient client(port, from_address(source));
    return hello(client, credential);
}

std::string bearer(const std::string& credential) { return "Authorization: Bearer " + credential + "\r\n"; }

std::optional<HttpResponse> try_get(std::uint16_t port, const std::string& target, const std::string& extra_headers,
                                    const std::string& source) {
    HttpConnection::Options options;
    options.source_address = source;
    HttpConnection connection(port, options);
    if (!connection.send("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                         "\r\nConnection: close\r\n" + extra_headers + "\r\n")) {
        return std::nullopt;
    }
    if (target.rfind("/stream", 0) != 0) return connection.read_response(10s);
    auto response = connection.read_head(10s);
    if (!response || response->status == 200) return response;
    // A refused stream: the body up to its Content-Length, read from the
    // socket past what read_head buffered.
    if (const auto length = response->header("Content-Length")) {
        const auto wanted = static_cast<std::size_t>(std::stoul(*length));
        std::string body = connection.buffered();
        const auto deadline = Clock::now() + 5s;
        while (body.size() < wanted && Clock::now() < deadline) {
            pollfd entry{connection.fd(), POLLIN, 0};
            if (poll(&entry, 1, 50) <= 0) continue;
            char chunk[4096];
            const auto got = recv(connection.fd(), chunk, sizeof chunk, 0);
            if (got <= 0) break;
            body.append(chunk, static_cast<std::size_t>(got));
        }
        response->body = body.substr(0, wanted);
    }
    return response;
}

HttpResponse get(std::uint16_t port, const std::string& target, const std::string& extra_headers,
                 const std::string& source) {
    auto response = try_get(port, target, extra_headers, source);
    INFO("GET " << target.substr(0, 60) << " from " << (source.empty() ? "127.0.0.1" : source));
    REQUIRE(response.has_value());
    return *response;
}

void check_log_holds_none(const DaemonProcess& daemon, std::initializer_list<std::string> credentials) {
    const auto log = daemon.log_text();
    for (const auto& credential : credentials) {
        CAPTURE(credential);
        CHECK(log.find(credential) == std::string::npos);
    }
}

}  // namespace camstream::test
