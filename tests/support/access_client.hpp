// What the access-control tests (tokens, tickets) do as clients: a hello with
// a credential, an HTTP GET with one, from a chosen loopback address, and the
// camstreamd commands that manage credentials.
#pragma once

#include "support/child_process.hpp"
#include "support/daemon_process.hpp"
#include "support/http_client.hpp"
#include "support/test_client.hpp"

#include <filesystem>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

namespace camstream::test {

// `camstreamd ARGUMENTS...` (a token, ticket or usage command), run to its end.
ProcessResult run_camstreamd(const std::vector<std::string>& arguments, Duration timeout = std::chrono::seconds(20));

void write_text(const std::filesystem::path& path, const std::string& text);

// Connects from `address` (127.0.0.2, ... act as other hosts); empty: the default.
TestClient::Options from_address(const std::string& address);

// Sends a hello presenting `credential` (none when empty) and waits for the ServerHello.
wire::ServerHello hello(TestClient& client, const std::string& credential, std::uint16_t max_fps = 0);
// A hello on a fresh connection from `source` (127.0.0.1 when empty): the reply.
wire::ServerHello tcp_attempt(std::uint16_t port, const std::string& credential, const std::string& source = {});

std::string bearer(const std::string& credential);
// One GET on a fresh connection from `source` (127.0.0.1 when empty). An
// accepted /stream has only its head read; anything else is read whole (a
// refusal carries its reason in the body). Empty when no response came.
std::optional<HttpResponse> try_get(std::uint16_t port, const std::string& target,
                                    const std::string& extra_headers = {}, const std::string& source = {});
// The same, failing the test when no response came.
HttpResponse get(std::uint16_t port, const std::string& target, const std::string& extra_headers = {},
                 const std::string& source = {});

// Credentials are secrets: the daemon never writes one to its log.
void check_log_holds_none(const DaemonProcess& daemon, std::initializer_list<std::string> credentials);

}  // namespace camstream::test
