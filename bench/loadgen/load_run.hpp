// LoadRun: one bounded run on one thread. It connects the steady viewers a few
// at a time, lets them warm up, measures a window, adds churn alongside, then
// closes everything and watches the server give its descriptors back.
#pragma once

#include "connection.hpp"
#include "daemon_probe.hpp"
#include "load_settings.hpp"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace camstream::bench {

struct ChurnCounts {
    std::uint64_t started = 0;
    std::uint64_t completed = 0;  // accepted, then closed by us
    std::uint64_t rejected = 0;
    std::uint64_t failed = 0;     // connect error, reset, timeout
    std::uint64_t skipped = 0;    // not started: too many still in their handshake
    // Answered while the measured window was open: the admissions the
    // window's daemon CPU paid for, and their hello latency (connect() to answer).
    std::uint64_t accepted_in_window = 0;
    std::uint64_t rejected_in_window = 0;
    std::vector<double> hello_latency_in_window_s;
    std::map<std::string, std::uint64_t> refusal_reasons;  // the server's text, a few kinds at most
};

// Idle connections (never a hello): how the server ended each one, and when.
struct IdleCounts {
    std::uint64_t opened = 0;
    std::uint64_t connect_failed = 0;
    std::uint64_t refused = 0;               // the server said why before closing
    std::uint64_t closed_without_reason = 0;  // end of stream or reset, nothing said
    std::map<std::string, std::uint64_t> refusal_reasons;  // the server's text, a few kinds at most
    std::vector<double> held_seconds;         // connected -> closed by the server
    std::uint64_t open_at_end = 0;            // still open when the run ended
    double longest_open_at_end_s = 0;
};

struct RunResult {
    LoadSettings settings;
    double connect_seconds = 0;   // until every steady viewer was accepted or gave up
    double measured_seconds = 0;  // the window rates are computed over
    double nominal_fps = 0;       // announced by the server
    std::vector<std::unique_ptr<Connection>> viewers;  // the steady ones, finished
    WindowRecorder recorder;
    ChurnCounts churn;
    IdleCounts idle;

    // Server process figures: before we connected, at the window's edges, and
    // after we closed everything and it had up to a few seconds to clean up.
    std::optional<DaemonSample> daemon_before;
    std::optional<DaemonSample> daemon_window_start;
    std::optional<DaemonSample> daemon_window_end;
    std::optional<DaemonSample> daemon_after_close;
    // --quiet-baseline: the daemon before the churn started, steady viewers only.
    std::optional<DaemonSample> daemon_quiet_start;
    std::optional<DaemonSample> daemon_quiet_end;
    double quiet_seconds = 0;
    double loadgen_cpu_seconds = 0;  // this process, in the window: it shares the machine's cores
    long rss_max_in_window_kib = 0;
    long rss_anon_max_in_window_kib = 0;
};

RunResult run_load(const LoadSettings& settings);

}  // namespace camstream::bench
