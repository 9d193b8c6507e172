// Spawning and stopping the programs under test (see child_process.hpp).
#include "support/child_process.hpp"

#include "support/emulation.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace camstream::test {

namespace {

std::string env_name(const std::string& entry) { return entry.substr(0, entry.find('=')); }

std::vector<std::string> child_environment(const std::vector<std::string>& extra_env) {
    std::vector<std::string> result;
    for (char** entry = environ; *entry != nullptr; ++entry) {
        const std::string text(*entry);
        bool replaced = false;
        for (const auto& extra : extra_env) {
            if (env_name(extra) == env_name(text)) replaced = true;
        }
        if (!replaced) result.push_back(text);
    }
    result.insert(result.end(), extra_env.begin(), extra_env.end());
    return result;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
    std::vector<char*> result;
    for (auto& text : strings) result.push_back(text.data());
    result.push_back(nullptr);
    return result;
}

// Only async-signal-safe calls between fork and exec: the test process may have threads.
[[noreturn]] void exec_child(const char* program, char* const* argv, char* const* envp,
                             const char* stdout_path, const char* stderr_path, pid_t parent) {
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) _exit(126);
    const int null_fd = open("/dev/null", O_RDONLY);
    const int out_fd = open(stdout_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (null_fd < 0 || out_fd < 0) _exit(126);
    int err_fd = out_fd;
    if (std::strcmp(stdout_path, stderr_path) != 0) {
        err_fd = open(stderr_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (err_fd < 0) _exit(126);
    }
    if (dup2(null_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0) _exit(126);
    // The test runner may ignore or block signals; the child starts clean.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    signal(SIGPIPE, SIG_DFL);
    execve(program, argv, envp);
    const char message[] = "exec failed: ";
    [[maybe_unused]] auto written = write(2, message, sizeof message - 1);
    written = write(2, program, std::strlen(program));
    written = write(2, "\n", 1);
    _exit(127);
}

}  // namespace

TempDir::TempDir(const std::string& prefix) {
    auto pattern = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    if (mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error("mkdtemp failed: " + std::string(std::strerror(errno)));
    }
    path_ = pattern;
}

TempDir::~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

std::string ExitStatus::describe() const {
    std::ostringstream out;
    if (exited) {
        out << "exit code " << code;
    } else if (signal != 0) {
        out << "killed by signal " << signal << " (" << strsignal(signal) << ")";
    } else {
        out << "not exited";
    }
    if (needed_kill) out << ", ignored SIGTERM and needed SIGKILL";
    return out.str();
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

ChildProcess::ChildProcess(const std::vector<std::string>& argv,
                           const std::filesystem::path& stdout_path,
                           const std::filesystem::path& stderr_path,
                           const std::vector<std::string>& extra_env) {
    if (argv.empty()) throw std::invalid_argument("ChildProcess needs a program");
    // Everything the child needs is prepared before fork: it must not allocate.
    auto args = with_emulator(argv);
    auto env = child_environment(extra_env);
    auto arg_pointers = c_strings(args);
    auto env_pointers = c_strings(env);
    const std::string out_path = stdout_path.string();
    const std::string err_path = stderr_path.string();
    const pid_t parent = getpid();

    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed: " + std::string(std::strerror(errno)));
    if (pid_ == 0) {
        exec_child(args[0].c_str(), arg_pointers.data(), env_pointers.data(), out_path.c_str(),
                   err_path.c_str(), parent);
    }
}

ChildProcess::~ChildProcess() {
    if (!status_) stop(std::chrono::seconds(5));
}

bool ChildProcess::reap(int flags) {
    if (status_) return true;
    int raw = 0;
    pid_t result = 0;
    do {
        result = waitpid(pid_, &raw, flags);
    } while (result < 0 && errno == EINTR);
    if (result != pid_) return false;
    ExitStatus status;
    if (WIFEXITED(raw)) {
        status.exited = true;
        status.code = WEXITSTATUS(raw);
    } else if (WIFSIGNALED(raw)) {
        status.signal = WTERMSIG(raw);
    }
    status_ = status;
    return true;
}

bool ChildProcess::running() { return !reap(WNOHANG); }

std::optional<ExitStatus> ChildProcess::wait_for_exit(Duration timeout) {
    wait_until([&] { return !running(); }, timeout, std::chrono::milliseconds(10));
    return status_;
}

bool ChildProcess::send_signal(int signal_number) {
    if (!running()) return false;
    return ::kill(pid_, signal_number) == 0;
}

ExitStatus ChildProcess::stop(Duration grace) {
    if (running()) {
        ::kill(pid_, SIGTERM);
        if (!wait_for_exit(grace)) {
            ::kill(pid_, SIGKILL);
            reap(0);
            if (status_) status_->needed_kill = true;
        }
    }
    return status_.value_or(ExitStatus{});
}

std::vector<std::string> ProcessResult::stdout_lines() const {
    std::vector<std::string> lines;
    std::istringstream in(stdout_text);
    for (std::string line; std::getline(in, line);) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (!line.empty()) lines.push_back(line);
    }
    return lines;
}

ProcessResult run_process(const std::vector<std::string>& argv, Duration timeout,
                          const std::vector<std::string>& extra_env) {
    TempDir dir("camstream-run");
    const auto out_path = dir.path() / "stdout";
    const auto err_path = dir.path() / "stderr";
    ProcessResult result;
    const auto started = Clock::now();
    {
        ChildProcess child(argv, out_path, err_path, extra_env);
        if (!child.wait_for_exit(timeout)) {
            result.timed_out = true;
            result.status = child.stop(std::chrono::seconds(5));
        } else {
            result.status = *child.status();
        }
    }
    result.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    result.stdout_text = read_file(out_path);
    result.stderr_text = read_file(err_path);
    return result;
}

}  // namespace camstream::test
