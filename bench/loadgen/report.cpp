// Report: see report.hpp. All rates are over the measured window only.
#include "report.hpp"

#include "json_writer.hpp"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

namespace camstream::bench {
namespace {

// Nearest-rank percentile of an unsorted copy; 0 for no data.
template <typename T>
double percentile(std::vector<T> values, double p) {
    if (values.empty()) return 0;
    const auto rank = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
    std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(rank), values.end());
    return static_cast<double>(values[rank]);
}

template <typename T>
JsonObject spread(const std::vector<T>& values) {
    JsonObject out;
    if (values.empty()) return out.add_null("min").add_null("median").add_null("max");
    return out.add("min", static_cast<double>(*std::min_element(values.begin(), values.end())))
        .add("median", percentile(values, 0.5))
        .add("max", static_cast<double>(*std::max_element(values.begin(), values.end())));
}

// Daemon CPU between two samples: the scheduler's nanosecond figure when it
// gives one, the 10 ms tick count otherwise.
double precise_cpu(const DaemonSample& start, const DaemonSample& end) {
    const double cpu = end.cpu_seconds_precise - start.cpu_seconds_precise;
    return cpu > 0 ? cpu : end.cpu_seconds - start.cpu_seconds;
}

JsonObject daemon_figures(const RunResult& r) {
    const auto& start = r.daemon_window_start;
    const auto& end = r.daemon_window_end;
    const auto& before = r.daemon_before;
    const auto& after = r.daemon_after_close;
    JsonObject rss;
    rss.add("before", before ? std::optional<long>(before->rss_kib) : std::nullopt)
        .add("start", start ? std::optional<long>(start->rss_kib) : std::nullopt)
        .add("end", end ? std::optional<long>(end->rss_kib) : std::nullopt)
        .add("max", r.rss_max_in_window_kib)
        .add("peak", end ? std::optional<long>(end->peak_rss_kib) : std::nullopt)
        .add("after_close", after ? std::optional<long>(after->rss_kib) : std::nullopt);
    JsonObject anon;
    anon.add("before", before ? std::optional<long>(before->rss_anon_kib) : std::nullopt)
        .add("start", start ? std::optional<long>(start->rss_anon_kib) : std::nullopt)
        .add("end", end ? std::optional<long>(end->rss_anon_kib) : std::nullopt)
        .add("max", r.rss_anon_max_in_window_kib)
        .add("after_close", after ? std::optional<long>(after->rss_anon_kib) : std::nullopt);
    JsonObject fds;
    fds.add("before", before ? std::optional<long>(before->open_fds) : std::nullopt)
        .add("start", start ? std::optional<long>(start->open_fds) : std::nullopt)
        .add("end", end ? std::optional<long>(end->open_fds) : std::nullopt)
        .add("after_close", after ? std::optional<long>(after->open_fds) : std::nullopt);
    // --quiet-baseline: the same daemon with the steady viewers only, just
    // before the churn started; what the churn adds is the window's CPU minus
    // this rate over the window, per admission made in the window.
    JsonObject quiet;
    const auto& quiet_start = r.daemon_quiet_start;
    const auto& quiet_end = r.daemon_quiet_end;
    if (quiet_start && quiet_end && r.quiet_seconds > 0) {
        const double quiet_cpu = precise_cpu(*quiet_start, *quiet_end);
        quiet.add("seconds", r.quiet_seconds).add("cpu_s", quiet_cpu);
        std::optional<double> per_admission;
        if (start && end && r.churn.accepted_in_window > 0 && r.measured_seconds > 0) {
            const double churn_cpu = precise_cpu(*start, *end) - quiet_cpu / r.quiet_seconds * r.measured_seconds;
            per_admission = churn_cpu / static_cast<double>(r.churn.accepted_in_window) * 1e6;
        }
        quiet.add("churn_cpu_per_admission_us", per_admission);
    } else {
        quiet.add_null("seconds").add_null("cpu_s").add_null("churn_cpu_per_admission_us");
    }

    JsonObject out;
    out.add("pid", static_cast<std::int64_t>(r.settings.daemon_pid))
        .add("cpu_s", start && end ? std::optional<double>(end->cpu_seconds - start->cpu_seconds) : std::nullopt)
        .add("cpu_s_precise",
             start && end ? std::optional<double>(end->cpu_seconds_precise - start->cpu_seconds_precise) : std::nullopt)
        .add("rss_kib", rss)
        .add("rss_anon_kib", anon)
        .add("fd", fds)
        .add("quiet_baseline", quiet);
    return out;
}

// The fast viewers of one protocol, for a run that mixes them.
JsonObject protocol_figures(const RunResult& r, ProtocolKind kind, double expected_frames) {
    std::vector<double> frames, fraction, fraction_captured;
    int accepted = 0;
    for (const auto& viewer : r.viewers) {
        if (viewer->protocol_kind() != kind) continue;
        accepted += viewer->accepted();
        if (viewer->role() != Role::fast) continue;
        const auto count = static_cast<double>(viewer->frames_in_window());
        frames.push_back(count);
        fraction.push_back(expected_frames > 0 ? count / expected_frames : 0);
        const auto span = static_cast<double>(viewer->sequence_span());
        fraction_captured.push_back(span > 0 ? std::min(1.0, count / span) : 0);
    }
    std::vector<std::int64_t> latencies;
    const auto& samples = r.recorder.latency_us;
    const auto& owners = r.recorder.latency_protocol;
    for (std::size_t i = 0; i < samples.size() && i < owners.size(); ++i) {
        if (owners[i] == kind) latencies.push_back(samples[i]);
    }
    JsonObject latency;
    latency.add("p50", percentile(latencies, 0.5) / 1000.0)
        .add("p99", percentile(latencies, 0.99) / 1000.0)
        .add("samples", static_cast<std::uint64_t>(latencies.size()));
    JsonObject out;
    out.add("accepted", accepted)
        .add("fast_count", static_cast<std::int64_t>(frames.size()))
        .add("frames", spread(frames))
        .add("fraction_of_source_fps", spread(fraction))
        .add("fraction_of_captured", spread(fraction_captured))
        .add("latency_ms", latency);
    return out;
}

// Audio as the fast TCP viewers received it (--audio): packets, packets
// missing between them, and the share of the packets the server captured
// in the window (20 ms each) that reached each viewer.
JsonObject audio_figures(const RunResult& r) {
    std::vector<double> packets, gaps, fraction_captured;
    for (const auto& viewer : r.viewers) {
        if (viewer->role() != Role::fast || viewer->protocol_kind() != ProtocolKind::tcp) continue;
        const auto count = static_cast<double>(viewer->audio_packets_in_window());
        packets.push_back(count);
        gaps.push_back(static_cast<double>(viewer->audio_gaps_in_window()));
        const auto span = static_cast<double>(viewer->audio_sequence_span());
        fraction_captured.push_back(span > 0 ? std::min(1.0, count / span) : 0);
    }
    JsonObject out;
    out.add("requested", r.settings.audio)
        .add("viewers", static_cast<std::int64_t>(packets.size()))
        .add("packets_total", r.recorder.audio_packets_all_viewers)
        .add("packets", spread(packets))
        .add("gaps", spread(gaps))
        .add("fraction_of_captured", spread(fraction_captured));
    return out;
}

// Hello latency, connect() to the server's answer, in ms: p50, p99, max.
JsonObject hello_latency(const std::vector<double>& seconds) {
    JsonObject out;
    out.add("count", static_cast<std::uint64_t>(seconds.size()));
    if (seconds.empty()) return out.add_null("p50").add_null("p99").add_null("max");
    return out.add("p50", percentile(seconds, 0.5) * 1000.0)
        .add("p99", percentile(seconds, 0.99) * 1000.0)
        .add("max", *std::max_element(seconds.begin(), seconds.end()) * 1000.0);
}

JsonObject reason_counts(const std::map<std::string, std::uint64_t>& reasons) {
    JsonObject out;
    for (const auto& [reason, count] : reasons) out.add(reason, count);
    return out;
}

}  // namespace

std::string report_json(const RunResult& r) {
    const auto& s = r.settings;
    const double fps = s.source_fps > 0 ? s.source_fps : r.nominal_fps;
    const double expected_frames = fps * r.measured_seconds;

    std::vector<double> fast_frames, fast_fraction, fast_fraction_captured, fast_gaps, stalled_cut_after;
    std::vector<double> steady_hello_s;
    std::map<std::string, std::uint64_t> steady_refusals;
    int accepted = 0, rejected = 0, failed = 0, fast_lost = 0, stalled_cut = 0, stalled_count = 0;
    for (const auto& viewer : r.viewers) {
        accepted += viewer->accepted();
        rejected += viewer->rejected();
        failed += !viewer->accepted() && !viewer->rejected();
        if (viewer->answered_at()) steady_hello_s.push_back(*viewer->answered_at() - viewer->opened_at());
        if (viewer->rejected()) {
            // "rejected: <the server's text>"; a few kinds (8, as churn's and idle's), the rest "other".
            auto reason = viewer->ending().substr(std::string_view("rejected: ").size());
            if (!steady_refusals.contains(reason) && steady_refusals.size() >= 8) reason = "other";
            ++steady_refusals[reason];
        }
        if (viewer->role() == Role::fast) {
            const auto frames = static_cast<double>(viewer->frames_in_window());
            fast_frames.push_back(frames);
            fast_fraction.push_back(expected_frames > 0 ? frames / expected_frames : 0);
            const auto span = static_cast<double>(viewer->sequence_span());
            fast_fraction_captured.push_back(span > 0 ? std::min(1.0, frames / span) : 0);
            fast_gaps.push_back(static_cast<double>(viewer->gaps_in_window()));
            fast_lost += viewer->accepted() && viewer->ending() != "run over";
        } else if (viewer->role() == Role::stalled) {
            ++stalled_count;
            if (viewer->server_closed_at() && viewer->stalled_since()) {
                ++stalled_cut;
                stalled_cut_after.push_back(*viewer->server_closed_at() - *viewer->stalled_since());
            }
        }
    }

    JsonObject fast;
    fast.add("count", static_cast<std::int64_t>(fast_frames.size()))
        .add("frames", spread(fast_frames))
        .add("fraction_of_source_fps", spread(fast_fraction))
        .add("fraction_of_captured", spread(fast_fraction_captured))
        .add("gaps", spread(fast_gaps))
        .add("lost", fast_lost);

    const auto& latencies = r.recorder.latency_us;
    JsonObject latency;
    latency.add("p50", percentile(latencies, 0.5) / 1000.0)
        .add("p99", percentile(latencies, 0.99) / 1000.0)
        .add("max", latencies.empty() ? 0.0
                                      : static_cast<double>(*std::max_element(latencies.begin(), latencies.end())) / 1000.0)
        .add("samples", static_cast<std::uint64_t>(latencies.size()));

    JsonObject stalled;
    stalled.add("count", stalled_count)
        .add("trickle", s.trickle)
        .add("cut_off", stalled_cut)
        .add("cut_off_after_s", spread(stalled_cut_after));

    JsonObject churn;
    churn.add("rate", s.churn_rate)
        .add("started", r.churn.started)
        .add("completed", r.churn.completed)
        .add("rejected", r.churn.rejected)
        .add("failed", r.churn.failed)
        .add("skipped", r.churn.skipped)
        .add("accepted_in_window", r.churn.accepted_in_window)
        .add("rejected_in_window", r.churn.rejected_in_window)
        .add("refusal_reasons", reason_counts(r.churn.refusal_reasons));

    // Connect() to the ServerHello (TCP) or the response head (HTTP), whether
    // it accepted or refused: the steady viewers' while they all connect (at
    // most 64 handshakes in flight), churn's while the window was open.
    JsonObject hello;
    hello.add("steady", hello_latency(steady_hello_s))
        .add("churn_in_window", hello_latency(r.churn.hello_latency_in_window_s));

    JsonObject credentials;
    credentials.add("file", s.credentials_file.empty() ? std::nullopt : std::optional<std::string>(s.credentials_file))
        .add("count", static_cast<std::uint64_t>(s.credentials.size()));

    const auto& idle_counts = r.idle;
    const double longest_closed = idle_counts.held_seconds.empty()
                                      ? 0.0
                                      : *std::max_element(idle_counts.held_seconds.begin(), idle_counts.held_seconds.end());
    JsonObject idle;
    idle.add("count", s.idle)
        .add("rate", s.idle_rate)
        .add("opened", idle_counts.opened)
        .add("connect_failed", idle_counts.connect_failed)
        .add("refused", idle_counts.refused)
        .add("refusal_reasons", reason_counts(idle_counts.refusal_reasons))
        .add("closed_without_reason", idle_counts.closed_without_reason)
        .add("held_s", spread(idle_counts.held_seconds))
        .add("open_at_end", idle_counts.open_at_end)
        .add("longest_open_s", std::max(longest_closed, idle_counts.longest_open_at_end_s));

    JsonObject out;
    JsonObject by_protocol;
    for (const auto kind : {ProtocolKind::tcp, ProtocolKind::http_mjpeg}) {
        const bool used = s.protocols == ProtocolMix::mixed ||
                          (kind == ProtocolKind::tcp) == (s.protocols == ProtocolMix::tcp);
        if (used) by_protocol.add(protocol_name(kind), protocol_figures(r, kind, expected_frames));
    }

    out.add("tool", "camstream-loadgen")
        .add("protocol", protocol_mix_name(s.protocols))
        .add("target", s.target ? std::optional<std::string>(s.target->text) : std::nullopt)
        .add("http_target", s.http_target ? std::optional<std::string>(s.http_target->text) : std::nullopt)
        .add("bind", s.bind ? std::optional<std::string>(s.bind->text) : std::nullopt)
        .add("viewers", s.viewers)
        .add("stalled", s.stalled)
        .add("duration_s", s.duration_s)
        .add("warmup_s", s.warmup_s)
        .add("connect_s", r.connect_seconds)
        .add("measured_s", r.measured_seconds)
        .add("source_fps", fps)
        .add("accepted", accepted)
        .add("rejected", rejected)
        .add("connect_failed", failed)
        .add("refusal_reasons", reason_counts(steady_refusals))
        .add("credentials", credentials)
        .add("hello_latency_ms", hello)
        .add("fast", fast)
        .add("latency_ms", latency)
        .add("stalled_viewers", stalled)
        .add("frames_total", r.recorder.frames_all_viewers)
        .add("audio", audio_figures(r))
        .add("loadgen_cpu_s", r.loadgen_cpu_seconds);
    if (s.daemon_pid > 0) {
        out.add("daemon", daemon_figures(r));
        // The nanosecond figure when the scheduler gives one; the tick count otherwise.
        double cpu = 0;
        if (r.daemon_window_start && r.daemon_window_end) {
            cpu = precise_cpu(*r.daemon_window_start, *r.daemon_window_end);
        }
        out.add("frames_per_daemon_cpu_s",
                cpu > 0 ? std::optional<double>(static_cast<double>(r.recorder.frames_all_viewers) / cpu) : std::nullopt);
    } else {
        out.add_null("daemon").add_null("frames_per_daemon_cpu_s");
    }
    out.add("by_protocol", by_protocol);
    out.add("churn", churn);
    out.add("idle", idle);
    return out.str();
}

}  // namespace camstream::bench
