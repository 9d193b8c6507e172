// DaemonProbe: what the server process costs, read from /proc/PID, so the
// load generator measures CPU, memory and descriptors from outside the daemon
// exactly the same way for camstreamd and for the baseline server.
#pragma once

#include <optional>
#include <sys/types.h>

namespace camstream::bench {

struct DaemonSample {
    double cpu_seconds = 0;          // utime + stime from /proc/PID/stat, all threads, 10 ms ticks
    double cpu_seconds_precise = 0;  // sum of /proc/PID/task/*/schedstat run time, ns resolution
    long rss_kib = 0;        // VmRSS
    long rss_anon_kib = 0;   // RssAnon: VmRSS without the mapped files (shared libraries)
    long peak_rss_kib = 0;   // VmHWM: the high-water mark since the process started
    long open_fds = 0;       // entries in /proc/PID/fd
};

class DaemonProbe {
public:
    explicit DaemonProbe(pid_t pid) : pid_(pid) {}
    // Empty once the process is gone (or was never there).
    std::optional<DaemonSample> sample() const;
    pid_t pid() const { return pid_; }

private:
    pid_t pid_;
};

}  // namespace camstream::bench
