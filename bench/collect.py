#!/usr/bin/env python3
"""Collects one bench/run's logs into bench/results/<date>.json.

bench/run leaves, per scenario folder, one JSON line per run (from
camstream-loadgen, camstream-bench-encode or the idle probe) and the server's
log beside it. This reads them all, adds what only the daemon's log knows (its
own send latency, its counters at exit), and quotes for every figure the median
over the repetitions, keeping each run's raw figures too.
"""

import argparse
import datetime
import json
import os
import platform
import re
import sqlite3
import statistics
import subprocess
from pathlib import Path

STATS_LINE = re.compile(
    r"stats: viewers=(?P<viewers>\d+) .*? send_latency_ms p50=(?P<p50>[\d.]+) p99=(?P<p99>[\d.]+)")
# Since the camera work the line also counts frames passed through and broken
# between "encoded" and "published"; both spellings are read.
STOPPED_LINE = re.compile(
    r"camstreamd stopped: (?P<captured>\d+) frames captured, (?P<encoded>\d+) encoded, "
    r"(?:(?P<passed_through>\d+) passed through, (?P<broken>\d+) broken, )?"
    r"(?P<published>\d+) published, (?P<sent>\d+) sent, (?P<dropped>\d+) dropped, "
    r"(?P<connections>\d+) connections, (?P<rejected>\d+) rejected, (?P<stalled>\d+) stalled")


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def daemon_log_figures(log_path, viewers):
    """The daemon's own view: send latency while all steady viewers were connected."""
    figures = {"send_latency_p99_ms": None, "send_latency_p99_ms_max": None,
               "send_latency_p50_ms": None, "stopped": None}
    if not log_path.exists():
        return figures
    p50s, p99s = [], []
    for line in log_path.read_text(errors="replace").splitlines():
        stats = STATS_LINE.search(line)
        # Steady state only: the seconds in which every viewer was connected
        # (not the ramp-up, not the goodbyes), and only seconds that sent frames.
        if stats and int(stats["viewers"]) == viewers and float(stats["p99"]) > 0:
            p50s.append(float(stats["p50"]))
            p99s.append(float(stats["p99"]))
        stopped = STOPPED_LINE.search(line)
        if stopped:
            figures["stopped"] = {k: int(v) for k, v in stopped.groupdict().items() if v is not None}
    # The daemon reports p99 per one-second interval; the median interval is the
    # typical p99 and the worst interval is reported beside it.
    figures["send_latency_p50_ms"] = median(p50s)
    figures["send_latency_p99_ms"] = median(p99s)
    figures["send_latency_p99_ms_max"] = max(p99s) if p99s else None
    return figures


def loadgen_figures(run, log_figures):
    """The per-run figures the tables quote, flattened from one loadgen line."""
    daemon = run.get("daemon") or {}
    rss = daemon.get("rss_kib") or {}
    anon = daemon.get("rss_anon_kib") or {}
    fds = daemon.get("fd") or {}
    fast = run["fast"]
    stalled = run["stalled_viewers"]
    churn = run["churn"]
    hello = run.get("hello_latency_ms") or {}
    quiet = daemon.get("quiet_baseline") or {}
    audio = run.get("audio") or {}
    churn_seconds = max(run["duration_s"] - run["connect_s"], 1e-9)
    # Per protocol (a mixed run's halves); None for a protocol the run did not speak.
    by_protocol = run.get("by_protocol") or {}
    per_protocol = {}
    for name in ("tcp", "http"):
        figures = by_protocol.get(name)
        per_protocol[f"{name}_fast_fraction_of_captured_min"] = figures["fraction_of_captured"]["min"] if figures else None
        per_protocol[f"{name}_latency_p50_ms"] = figures["latency_ms"]["p50"] if figures else None
        per_protocol[f"{name}_latency_p99_ms"] = figures["latency_ms"]["p99"] if figures else None
    return {
        "protocol": run.get("protocol", "tcp"),
        "viewers": run["viewers"],
        "stalled": run["stalled"],
        "measured_s": run["measured_s"],
        "accepted": run["accepted"],
        "fast_frames_min": fast["frames"]["min"],
        "fast_frames_median": fast["frames"]["median"],
        "fast_fraction_min": fast["fraction_of_source_fps"]["min"],
        "fast_fraction_median": fast["fraction_of_source_fps"]["median"],
        "fast_fraction_of_captured_min": fast["fraction_of_captured"]["min"],
        "fast_gaps_median": fast["gaps"]["median"],
        "fast_gaps_max": fast["gaps"]["max"],
        "fast_lost": fast["lost"],
        "latency_p50_ms": run["latency_ms"]["p50"],
        "latency_p99_ms": run["latency_ms"]["p99"],
        "latency_max_ms": run["latency_ms"]["max"],
        "stalled_cut_off": stalled["cut_off"],
        "stalled_cut_off_after_s_median": stalled["cut_off_after_s"]["median"],
        "stalled_cut_off_after_s_max": stalled["cut_off_after_s"]["max"],
        "frames_total": run["frames_total"],
        "loadgen_cpu_percent_of_one_core": (100 * run["loadgen_cpu_s"] / run["measured_s"])
                                            if run["measured_s"] and "loadgen_cpu_s" in run else None,
        "daemon_cpu_s": daemon.get("cpu_s_precise") or daemon.get("cpu_s"),
        "daemon_cpu_percent_of_one_core": (100 * (daemon.get("cpu_s_precise") or daemon.get("cpu_s") or 0)
                                           / run["measured_s"]) if run["measured_s"] else None,
        "frames_per_daemon_cpu_s": run["frames_per_daemon_cpu_s"],
        "rss_before_kib": rss.get("before"),
        "rss_start_kib": rss.get("start"),
        "rss_end_kib": rss.get("end"),
        "rss_max_kib": rss.get("max"),
        "rss_after_close_kib": rss.get("after_close"),
        "rss_anon_before_kib": anon.get("before"),
        "rss_anon_start_kib": anon.get("start"),
        "rss_anon_end_kib": anon.get("end"),
        "rss_anon_max_kib": anon.get("max"),
        "rss_anon_after_close_kib": anon.get("after_close"),
        "fd_before": fds.get("before"),
        "fd_start": fds.get("start"),
        "fd_end": fds.get("end"),
        "fd_after_close": fds.get("after_close"),
        "churn_completed": churn["completed"],
        "churn_failed": churn["failed"] + churn["rejected"],
        "churn_skipped": churn["skipped"],
        "churn_per_s": churn["completed"] / churn_seconds if churn["rate"] else 0,
        # Admission (issue 11): hello latency (connect() to the server's answer),
        # what the churn admitted in the window, and its CPU over the run's
        # own quiet baseline (camstream-loadgen --quiet-baseline).
        "connect_s": run.get("connect_s"),
        "rejected": run.get("rejected"),
        "hello_steady_p50_ms": hello.get("steady", {}).get("p50"),
        "hello_steady_p99_ms": hello.get("steady", {}).get("p99"),
        "hello_steady_max_ms": hello.get("steady", {}).get("max"),
        "hello_churn_p50_ms": hello.get("churn_in_window", {}).get("p50"),
        "hello_churn_p99_ms": hello.get("churn_in_window", {}).get("p99"),
        "hello_churn_max_ms": hello.get("churn_in_window", {}).get("max"),
        "churn_accepted_in_window": churn.get("accepted_in_window"),
        "churn_rejected_in_window": churn.get("rejected_in_window"),
        "churn_admissions_per_s": (churn["accepted_in_window"] / run["measured_s"])
                                  if churn.get("accepted_in_window") is not None and run["measured_s"] else None,
        "quiet_daemon_cpu_percent_of_one_core": (100 * quiet["cpu_s"] / quiet["seconds"])
                                                if quiet.get("cpu_s") is not None and quiet.get("seconds") else None,
        "churn_cpu_per_admission_us": quiet.get("churn_cpu_per_admission_us"),
        # Audio (issue 13): what the fast TCP viewers that asked for it received.
        "audio_requested": audio.get("requested", False),
        "audio_packets_median": (audio.get("packets") or {}).get("median"),
        "audio_fraction_of_captured_min": (audio.get("fraction_of_captured") or {}).get("min"),
        "audio_gaps_max": (audio.get("gaps") or {}).get("max"),
        "send_latency_p50_ms": log_figures["send_latency_p50_ms"],
        "send_latency_p99_ms": log_figures["send_latency_p99_ms"],
        "send_latency_p99_ms_max": log_figures["send_latency_p99_ms_max"],
        **per_protocol,
    }


def summarise(runs):
    """Median over the repetitions of every figure, plus the runs themselves."""
    keys = runs[0]["figures"].keys()
    return {
        "median": {k: median([r["figures"][k] for r in runs]) if k != "protocol" else runs[0]["figures"][k]
                   for k in keys},
        "runs": runs,
    }


def ledger_figures(path):
    """The watch-time ledger a run's daemon wrote (issue 11), if it had one:
    its sessions, so that they can be held against the sessions the load
    generator opened."""
    if not path.exists():
        return {"ledger_sessions": None, "ledger_sessions_open": None}
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            total, still_open = db.execute(
                "SELECT count(*), coalesce(sum(ended IS NULL), 0) FROM sessions").fetchone()
    except sqlite3.Error:
        return {"ledger_sessions": None, "ledger_sessions_open": None}
    return {"ledger_sessions": total, "ledger_sessions_open": still_open}


def loadgen_case(folder, stem_prefix):
    runs = []
    for path in sorted(folder.glob(f"{stem_prefix}-*.json")):
        run = json.loads(path.read_text())
        log = daemon_log_figures(path.with_suffix(".log"), run["viewers"] - run["stalled"])
        figures = loadgen_figures(run, log)
        figures.update(ledger_figures(path.with_suffix(".sqlite")))
        # Sessions the daemon admitted in the run: steady viewers and churn, whole run.
        figures["sessions_opened"] = run["accepted"] + run["churn"]["completed"]
        runs.append({"file": path.name, "figures": figures,
                     "daemon_stopped": log["stopped"], "loadgen": run})
    return summarise(runs) if runs else None


def paired(a, b, key, combine):
    """combine(a's figure, b's figure) for each repetition, a and b having run
    back to back in it (their files sort by repetition)."""
    a_runs = (a or {}).get("runs", [])
    b_runs = (b or {}).get("runs", [])
    return [combine(x["figures"][key], y["figures"][key]) for x, y in zip(a_runs, b_runs)
            if x["figures"][key] is not None and y["figures"][key] is not None]


def audio_results(folder):
    """Issue 13: the daemon's CPU with one viewer and light video, without
    audio, with the microphone captured but unheard, and heard (encoded and
    sent); and 100 viewers with audio against video alone. Each difference or
    ratio is taken within a repetition, whose runs were back to back, and the
    median of those is quoted."""
    cases = {}
    for case in ("capture-video-1", "capture-captured-1", "capture-encoded-1", "fanout-video-100", "fanout-audio-100"):
        collected = loadgen_case(folder, case)
        if collected:
            cases[case] = collected
    if not cases:
        return None
    cpu = "daemon_cpu_percent_of_one_core"
    capture = paired(cases.get("capture-captured-1"), cases.get("capture-video-1"), cpu, lambda a, b: a - b)
    encode = paired(cases.get("capture-encoded-1"), cases.get("capture-captured-1"), cpu, lambda a, b: a - b)
    fanout_ratio = paired(cases.get("fanout-audio-100"), cases.get("fanout-video-100"), cpu, lambda a, b: a / b)
    fanout_added = paired(cases.get("fanout-audio-100"), cases.get("fanout-video-100"), cpu, lambda a, b: a - b)
    # A 20 ms packet every 20 ms: 1 % of a core is 200 µs per packet.
    per_packet = lambda percent: None if percent is None else percent / 100 * 0.020 * 1e6
    cases.update({
        "capture_cpu_percent_pairs": capture,
        "capture_cpu_percent_of_one_core": median(capture),
        "capture_cpu_us_per_packet": per_packet(median(capture)),
        "encode_cpu_percent_pairs": encode,
        "encode_cpu_percent_of_one_core": median(encode),
        "encode_cpu_us_per_packet": per_packet(median(encode)),
        "fanout_cpu_ratio_pairs_audio_to_video_at_100": fanout_ratio,
        "fanout_cpu_ratio_audio_to_video_at_100": median(fanout_ratio),
        "fanout_cpu_added_percent_pairs_at_100": fanout_added,
        "fanout_cpu_added_percent_at_100": median(fanout_added),
    })
    return cases


def machine_info():
    model = "unknown"
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as meminfo:
        memory_kib = int(meminfo.readline().split()[1])
    return {"nproc": os.cpu_count(), "cpu_model": model, "kernel": platform.release(),
            "memory_gib": round(memory_kib / 1024 / 1024, 1)}


def frame_memory_kib(frames):
    """The frame memory a file: source configures: it keeps every JPEG of its
    folder in memory, and viewers hold at most queue_frames (2) + 1 in flight
    more, shared by all of them (a frame is never copied per viewer)."""
    out = {}
    for folder in sorted(p for p in frames.iterdir() if p.is_dir()):
        sizes = [f.stat().st_size for f in folder.glob("*.jpg")]
        if sizes:
            out[folder.name] = round((sum(sizes) + 3 * max(sizes)) / 1024)
    return out


def git_commit(root):
    try:
        return subprocess.run(["git", "-C", str(root), "describe", "--always", "--dirty"],
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--logs", required=True, type=Path)
    parser.add_argument("--mode", required=True)
    parser.add_argument("--repeat", type=int, required=True)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--frames", required=True, type=Path, help="bench/make-frames' folder")
    args = parser.parse_args()
    logs = args.logs

    results = {
        "date": datetime.date.today().isoformat(),
        "mode": args.mode,
        "repetitions": args.repeat,
        "commit": git_commit(Path(__file__).resolve().parent.parent),
        "machine": machine_info(),
        "frame_memory_kib": frame_memory_kib(args.frames),
    }

    fanout = {"camstream": {}, "baseline": {}}
    for server in fanout:
        for viewers in (1, 10, 100, 300):
            case = loadgen_case(logs / "fanout", f"{server}-{viewers}")
            if case:
                fanout[server][str(viewers)] = case
    ours = fanout["camstream"].get("100", {}).get("median", {}).get("frames_per_daemon_cpu_s")
    theirs = fanout["baseline"].get("100", {}).get("median", {}).get("frames_per_daemon_cpu_s")
    fanout["cpu_efficiency_ratio_at_100"] = ours / theirs if ours and theirs else None
    results["fanout"] = fanout

    results["many_light_viewers"] = loadgen_case(logs / "many_viewers", "camstream-1000")
    results["isolation"] = loadgen_case(logs / "isolation", "camstream-100")
    results["churn"] = loadgen_case(logs / "churn", "camstream-50")

    # Issue 10: HTTP viewers, with TCP at 100 viewers in the same run for the ratio.
    http = {}
    for case in ("tcp-100", "http-100", "http-300", "mixed-100", "http-1000"):
        collected = loadgen_case(logs / "http", f"camstream-{case}")
        if collected:
            http[case] = collected
    if http:
        tcp_runs = http.get("tcp-100", {}).get("runs", [])
        http_runs = http.get("http-100", {}).get("runs", [])
        ours = http.get("http-100", {}).get("median", {}).get("frames_per_daemon_cpu_s")
        theirs = http.get("tcp-100", {}).get("median", {}).get("frames_per_daemon_cpu_s")
        http["cpu_ratio_http_to_tcp_at_100"] = ours / theirs if ours and theirs else None
        # Each HTTP run against the TCP run just before it on the same machine.
        http["cpu_ratio_pairs_at_100"] = [
            a["figures"]["frames_per_daemon_cpu_s"] / b["figures"]["frames_per_daemon_cpu_s"]
            for a, b in zip(http_runs, tcp_runs)
            if a["figures"]["frames_per_daemon_cpu_s"] and b["figures"]["frames_per_daemon_cpu_s"]]
    results["http"] = http or None

    # Issue 11: admission with tickets. 1000 ticketed viewers at once; churn
    # with tickets, open with the ledger, and open without it (admission as
    # before issue 11), back to back in each repetition.
    admission = {}
    for access in ("tickets", "open"):
        burst = loadgen_case(logs / "admission", f"burst-{access}-1000")
        if burst:
            admission[f"burst-{access}-1000"] = burst
    for access in ("tickets", "open-ledger", "open"):
        collected = loadgen_case(logs / "admission", f"churn-{access}-50")
        if collected:
            admission[f"churn-{access}"] = collected
    for other in ("open", "open-ledger"):
        ours = admission.get("churn-tickets", {}).get("median", {}).get("churn_cpu_per_admission_us")
        theirs = admission.get(f"churn-{other}", {}).get("median", {}).get("churn_cpu_per_admission_us")
        admission[f"cpu_per_admission_ratio_tickets_to_{other}"] = ours / theirs if ours and theirs else None
        # Each repetition's own ratio (its runs were back to back).
        mine = admission.get("churn-tickets", {}).get("runs", [])
        yours = admission.get(f"churn-{other}", {}).get("runs", [])
        admission[f"cpu_per_admission_ratio_pairs_tickets_to_{other}"] = [
            a["figures"]["churn_cpu_per_admission_us"] / b["figures"]["churn_cpu_per_admission_us"]
            for a, b in zip(mine, yours)
            if a["figures"]["churn_cpu_per_admission_us"] and b["figures"]["churn_cpu_per_admission_us"]]
    # Only the ratios (all None) when the run had no admission scenario.
    results["admission"] = admission if any(k.startswith(("burst-", "churn-")) for k in admission) else None

    results["audio"] = audio_results(logs / "audio")

    encode_runs = [json.loads(p.read_text()) for p in sorted((logs / "encode").glob("encode-*.json"))]
    encode = {}
    if encode_runs:
        for size in encode_runs[0]["sizes"]:
            per_run = [r["sizes"][size] for r in encode_runs]
            encode[size] = {"median": {k: median([r[k] for r in per_run]) for k in per_run[0]}, "runs": per_run}
    results["encode"] = encode

    idle_runs = [json.loads(p.read_text()) for p in sorted((logs / "idle").glob("idle-*.json"))]
    results["idle"] = {
        "median": {k: median([r[k] for r in idle_runs])
                   for k in ("seconds", "cpu_s", "cpu_percent_of_one_core", "encodes", "rss_kib")},
        "runs": idle_runs,
    } if idle_runs else None

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
