// The real camstreamd under test: started on 127.0.0.1 with an ephemeral port,
// its log captured to a file, stopped with SIGTERM when the test is done.
#pragma once

#include "support/child_process.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace camstream::test {

class DaemonProcess {
public:
    // Starts `camstreamd --config config/demo.yaml --set server.listen=127.0.0.1:0
    // --set http.listen=127.0.0.1:0` followed by one `--set` per entry of `settings`
    // ("key.path=value"), and waits (up to 15 s) for the "listening on
    // 127.0.0.1:PORT" log line, then (up to 2 s, unless `settings` hold
    // "http.enabled=false") for "HTTP serving http://127.0.0.1:PORT/". Throws with
    // the log when the daemon exits or never listens.
    // config_path replaces config/demo.yaml when given (reload tests edit their own).
    explicit DaemonProcess(const std::vector<std::string>& settings = {},
                           const std::vector<std::string>& extra_env = {},
                           const std::string& config_path = {});
    ~DaemonProcess();
    DaemonProcess(const DaemonProcess&) = delete;
    DaemonProcess& operator=(const DaemonProcess&) = delete;

    std::uint16_t port() const { return port_; }
    // The HTTP listener's port from the "HTTP serving" line; 0 when there was none.
    std::uint16_t http_port() const { return http_port_; }
    pid_t pid() const { return process_->pid(); }

    // Everything the daemon wrote to stdout and stderr so far.
    std::string log_text() const;
    // The last `max_bytes` of it, for failure messages.
    std::string log_tail(std::size_t max_bytes = 8000) const;
    bool wait_for_log(std::string_view needle, Duration timeout) const;
    std::size_t count_in_log(std::string_view needle) const;
    // The first complete log line containing `needle`, if any.
    std::optional<std::string> log_line(std::string_view needle) const;
    // Waits for a complete log line containing `needle` and returns it.
    std::optional<std::string> wait_for_log_line(std::string_view needle, Duration timeout) const;

    // Resident set size from /proc/PID/status, in KiB; empty once the daemon is gone.
    std::optional<long> rss_kib() const;
    // CPU time (user + system) the daemon has used so far, in seconds.
    double cpu_seconds() const;

    bool running() { return process_->running(); }
    bool send_signal(int signal_number) { return process_->send_signal(signal_number); }
    std::optional<ExitStatus> wait_for_exit(Duration timeout) { return process_->wait_for_exit(timeout); }
    // SIGTERM, wait up to `grace`, then SIGKILL; reports how the daemon ended.
    ExitStatus stop(Duration grace = std::chrono::seconds(10));

private:
    TempDir dir_{"camstreamd"};
    std::filesystem::path log_path_;
    std::unique_ptr<ChildProcess> process_;
    std::uint16_t port_ = 0;
    std::uint16_t http_port_ = 0;
};

// "127.0.0.1:PORT", as the daemon prints peer and listen addresses.
std::string loopback_address(std::uint16_t port);

}  // namespace camstream::test
