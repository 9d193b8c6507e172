// camstream-loadgen: many simulated viewers on one thread against a loopback
// server, one JSON line of results on stdout. See docs/BENCHMARKS.md.
#include "load_run.hpp"
#include "load_settings.hpp"
#include "report.hpp"

#include <sys/resource.h>

#include <csignal>
#include <iostream>

namespace {

// Each viewer is a descriptor; the default soft limit (often 1024) is too low
// for a thousand viewers plus churn, and the hard limit is ours to use.
void raise_descriptor_limit() {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
}

}  // namespace

int main(int argc, char** argv) {
    int exit_code = 0;
    const auto settings = camstream::bench::parse_load_settings(argc, argv, exit_code);
    if (!settings) return exit_code;
    std::signal(SIGPIPE, SIG_IGN);
    raise_descriptor_limit();
    const auto result = camstream::bench::run_load(*settings);
    std::cout << camstream::bench::report_json(result) << std::endl;
    return 0;
}
