// Starting and watching camstreamd for the integration tests.
#include "support/daemon_process.hpp"

#include <unistd.h>

#include <cctype>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>

#ifndef CAMSTREAMD_PATH
#error "CAMSTREAMD_PATH must name the camstreamd binary under test"
#endif
#ifndef CAMSTREAM_SOURCE_DIR
#error "CAMSTREAM_SOURCE_DIR must name the source tree (for config/demo.yaml)"
#endif

namespace camstream::test {

namespace {

constexpr std::string_view kListeningOn = "listening on 127.0.0.1:";
constexpr std::string_view kHttpServing = "HTTP serving http://127.0.0.1:";

// The port after `prefix` in a complete line ("listening on 127.0.0.1:PORT",
// "HTTP serving http://127.0.0.1:PORT/"), 0 while not there.
std::uint16_t port_after(const std::string& log, std::string_view prefix) {
    const auto at = log.find(prefix);
    if (at == std::string::npos) return 0;
    std::size_t end = at + prefix.size();
    unsigned long port = 0;
    std::size_t digits = 0;
    while (end < log.size() && std::isdigit(static_cast<unsigned char>(log[end])) != 0) {
        port = port * 10 + static_cast<unsigned long>(log[end] - '0');
        ++end;
        ++digits;
    }
    // The line may still be half written; wait for whatever follows the number.
    if (digits == 0 || end == log.size() || port > 65535) return 0;
    return static_cast<std::uint16_t>(port);
}

std::uint16_t listening_port(const std::string& log) { return port_after(log, kListeningOn); }
std::uint16_t http_serving_port(const std::string& log) { return port_after(log, kHttpServing); }

bool http_disabled(const std::vector<std::string>& settings) {
    for (const auto& setting : settings) {
        if (setting == "http.enabled=false") return true;
    }
    return false;
}

}  // namespace

std::string loopback_address(std::uint16_t port) { return "127.0.0.1:" + std::to_string(port); }

DaemonProcess::DaemonProcess(const std::vector<std::string>& settings,
                             const std::vector<std::string>& extra_env, const std::string& config_path)
    : log_path_(dir_.path() / "camstreamd.log") {
    const auto config =
        config_path.empty() ? std::string(CAMSTREAM_SOURCE_DIR) + "/config/demo.yaml" : config_path;
    // Both listeners on ephemeral loopback ports, so tests never fight over
    // 10050 or 8080; the ledger in the test's own directory (a test's settings may name another).
    std::vector<std::string> argv{CAMSTREAMD_PATH, "--config", config, "--set", "server.listen=127.0.0.1:0",
                                  "--set", "http.listen=127.0.0.1:0", "--set",
                                  "access.ledger=" + (dir_.path() / "ledger.sqlite").string()};
    for (const auto& setting : settings) {
        argv.push_back("--set");
        argv.push_back(setting);
    }
    process_ = std::make_unique<ChildProcess>(argv, log_path_, log_path_, extra_env);

    // Generous: under ASan on a busy machine start-up takes a few seconds.
    const bool listening = wait_until(
        [&] { return listening_port(log_text()) != 0 || !process_->running(); },
        std::chrono::seconds(15));
    port_ = listening_port(log_text());
    if (!listening || port_ == 0) {
        const auto status = process_->stop(std::chrono::seconds(5));
        std::string command;
        for (const auto& arg : argv) command += arg + " ";
        throw std::runtime_error("camstreamd did not report listening on 127.0.0.1 (" +
                                 status.describe() + ")\ncommand: " + command + "\nlog:\n" +
                                 log_tail());
    }
    // The HTTP line follows the TCP one. A daemon without it leaves http_port() 0
    // for the test to check rather than failing here.
    if (!http_disabled(settings)) {
        wait_until([&] { return http_serving_port(log_text()) != 0 || !process_->running(); },
                   std::chrono::seconds(2));
    }
    http_port_ = http_serving_port(log_text());
}

DaemonProcess::~DaemonProcess() {
    if (process_) process_->stop(std::chrono::seconds(10));
}

std::string DaemonProcess::log_text() const { return read_file(log_path_); }

std::string DaemonProcess::log_tail(std::size_t max_bytes) const {
    const auto text = log_text();
    if (text.size() <= max_bytes) return text;
    return "...\n" + text.substr(text.size() - max_bytes);
}

bool DaemonProcess::wait_for_log(std::string_view needle, Duration timeout) const {
    return wait_until([&] { return log_text().find(needle) != std::string::npos; }, timeout);
}

std::size_t DaemonProcess::count_in_log(std::string_view needle) const {
    const auto text = log_text();
    std::size_t count = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
        ++count;
    }
    return count;
}

std::optional<std::string> DaemonProcess::log_line(std::string_view needle) const {
    const auto text = log_text();
    const auto at = text.find(needle);
    if (at == std::string::npos) return std::nullopt;
    const auto end = text.find('\n', at);
    if (end == std::string::npos) return std::nullopt;  // still being written
    const auto begin = text.rfind('\n', at);
    const auto start = begin == std::string::npos ? 0 : begin + 1;
    return text.substr(start, end - start);
}

std::optional<std::string> DaemonProcess::wait_for_log_line(std::string_view needle,
                                                            Duration timeout) const {
    std::optional<std::string> line;
    wait_until([&] { return (line = log_line(needle)).has_value(); }, timeout);
    return line;
}

std::optional<long> DaemonProcess::rss_kib() const {
    std::ifstream status("/proc/" + std::to_string(pid()) + "/status");
    for (std::string line; std::getline(status, line);) {
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    }
    return std::nullopt;
}

double DaemonProcess::cpu_seconds() const {
    // /proc/PID/stat: fields 14 and 15 are user and system time in clock ticks,
    // after a command name that may itself hold spaces.
    std::ifstream stat("/proc/" + std::to_string(pid()) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    const auto after_name = text.rfind(')');
    if (after_name == std::string::npos) return 0;
    std::istringstream fields(text.substr(after_name + 2));
    std::string field;
    long long user = 0;
    long long system = 0;
    for (int index = 3; index <= 15 && fields >> field; ++index) {
        if (index == 14) user = std::stoll(field);
        if (index == 15) system = std::stoll(field);
    }
    return static_cast<double>(user + system) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

ExitStatus DaemonProcess::stop(Duration grace) { return process_->stop(grace); }

}  // namespace camstream::test
