// DaemonProbe: see daemon_probe.hpp.
#include "daemon_probe.hpp"

#include <dirent.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace camstream::bench {
namespace {

std::optional<double> cpu_seconds_of(pid_t pid) {
    std::ifstream file("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(file, line)) return std::nullopt;
    // The command name (field 2) may hold spaces and parentheses: fields are
    // counted from the last ')'. utime and stime are fields 14 and 15.
    const auto name_end = line.rfind(')');
    if (name_end == std::string::npos) return std::nullopt;
    std::istringstream fields(line.substr(name_end + 1));
    std::string field;
    unsigned long long utime = 0;
    unsigned long long stime = 0;
    for (int index = 3; index <= 15 && (fields >> field); ++index) {
        if (index == 14) utime = std::stoull(field);
        if (index == 15) stime = std::stoull(field);
    }
    static const long ticks_per_second = sysconf(_SC_CLK_TCK);
    return static_cast<double>(utime + stime) / static_cast<double>(ticks_per_second);
}

long status_kib(const std::string& status, const std::string& key) {
    const auto at = status.find(key + ":");
    if (at == std::string::npos) return 0;
    return std::stol(status.substr(at + key.size() + 1));
}

// Whole seconds of CPU are what /proc/PID/stat counts in 10 ms ticks; a
// daemon serving one viewer uses a few ticks a minute, so the schedulers' own
// nanosecond run times are summed too. Threads that exited are missing from
// this sum (their time is in /proc/PID/stat), so it is compared over windows
// in which the server's threads stay the same.
double scheduler_run_seconds(pid_t pid) {
    const std::string path = "/proc/" + std::to_string(pid) + "/task";
    DIR* dir = opendir(path.c_str());
    if (!dir) return 0;
    unsigned long long nanoseconds = 0;
    while (const dirent* entry = readdir(dir)) {
        if (entry->d_name[0] == '.') continue;
        std::ifstream file(path + "/" + entry->d_name + "/schedstat");
        unsigned long long run = 0;
        if (file >> run) nanoseconds += run;
    }
    closedir(dir);
    return static_cast<double>(nanoseconds) / 1e9;
}

long count_fds(pid_t pid) {
    const std::string path = "/proc/" + std::to_string(pid) + "/fd";
    DIR* dir = opendir(path.c_str());
    if (!dir) return -1;
    long count = 0;
    while (const dirent* entry = readdir(dir)) {
        if (entry->d_name[0] != '.') ++count;
    }
    closedir(dir);
    return count;
}

}  // namespace

std::optional<DaemonSample> DaemonProbe::sample() const {
    if (pid_ <= 0) return std::nullopt;
    const auto cpu = cpu_seconds_of(pid_);
    if (!cpu) return std::nullopt;
    std::ifstream file("/proc/" + std::to_string(pid_) + "/status");
    std::stringstream status;
    status << file.rdbuf();
    DaemonSample out;
    out.cpu_seconds = *cpu;
    out.cpu_seconds_precise = scheduler_run_seconds(pid_);
    out.rss_kib = status_kib(status.str(), "VmRSS");
    out.rss_anon_kib = status_kib(status.str(), "RssAnon");
    out.peak_rss_kib = status_kib(status.str(), "VmHWM");
    out.open_fds = count_fds(pid_);
    return out;
}

}  // namespace camstream::bench
