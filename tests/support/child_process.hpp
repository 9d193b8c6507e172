// Child processes for the integration tests: a temporary directory, a spawned
// program whose output goes to files, and a bounded stop (SIGTERM, then SIGKILL).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/emulation.hpp"

namespace camstream::test {

using Clock = std::chrono::steady_clock;
using Duration = std::chrono::milliseconds;

// A fresh directory under the system temp dir, removed with everything in it.
class TempDir {
public:
    explicit TempDir(const std::string& prefix = "camstream-test");
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

// How a child ended.
struct ExitStatus {
    bool exited = false;       // it called exit(); `code` is valid
    int code = -1;
    int signal = 0;            // it was killed by this signal
    bool needed_kill = false;  // it ignored SIGTERM for the whole grace period

    bool exited_with(int expected) const { return exited && code == expected; }
    std::string describe() const;
};

std::string read_file(const std::filesystem::path& path);

// One spawned program. The child gets PR_SET_PDEATHSIG(SIGKILL), so it dies with
// the test process even when a test crashes: nothing outlives the suite.
class ChildProcess {
public:
    // argv[0] is the program path. stdout and stderr go to the given files (the
    // same file for both when the paths are equal); stdin is /dev/null.
    // extra_env holds "NAME=value" entries added to, or replacing in, our environment.
    ChildProcess(const std::vector<std::string>& argv, const std::filesystem::path& stdout_path,
                 const std::filesystem::path& stderr_path,
                 const std::vector<std::string>& extra_env = {});
    ~ChildProcess();
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    pid_t pid() const { return pid_; }
    // False once the child has exited (it is reaped then, and status() is set).
    bool running();
    const std::optional<ExitStatus>& status() const { return status_; }
    // Waits up to `timeout` for the child to exit by itself.
    std::optional<ExitStatus> wait_for_exit(Duration timeout);
    // Sends `signal` (if still running); returns false when the child is gone.
    bool send_signal(int signal_number);
    // SIGTERM, wait up to `grace`, then SIGKILL. Returns how it ended.
    ExitStatus stop(Duration grace = std::chrono::seconds(10));

private:
    bool reap(int flags);

    pid_t pid_ = -1;
    std::optional<ExitStatus> status_;
};

// Runs a program to completion (killing it after `timeout`), capturing its output.
struct ProcessResult {
    ExitStatus status;
    bool timed_out = false;
    std::string stdout_text;
    std::string stderr_text;
    double seconds = 0;  // wall time until it exited

    std::vector<std::string> stdout_lines() const;  // non-empty lines
};
ProcessResult run_process(const std::vector<std::string>& argv, Duration timeout,
                          const std::vector<std::string>& extra_env = {});

// Sleeps in small steps until `condition` holds or `timeout` (stretched by
// time_scale() under emulation) passes.
template <typename Condition>
bool wait_until(Condition condition, Duration timeout,
                Duration step = std::chrono::milliseconds(20)) {
    const auto deadline = Clock::now() + scaled(timeout);
    for (;;) {
        if (condition()) return true;
        if (Clock::now() >= deadline) return condition();
        std::this_thread::sleep_for(step);
    }
}

}  // namespace camstream::test
