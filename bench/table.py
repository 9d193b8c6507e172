#!/usr/bin/env python3
"""Prints a bench/results/<date>.json as the Markdown tables of docs/BENCHMARKS.md.

The targets are those of issue 3 and, for HTTP viewers, issue 10; each line
says what was measured (medians over the repetitions) and whether it passes.
A run of some scenarios only (bench/run --only) prints only their tables.
Usage: bench/table.py RESULTS.json
"""

import json
import sys

MIB = 1024


def fmt(value, digits=1):
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}"


def pct(value):
    return "–" if value is None else f"{100 * value:.2f} %"


def verdict(ok):
    return "**pass**" if ok else "**MISS**"


def http_targets(r):
    """(target, measured, pass) for each target of issue 10 (HTTP viewers)."""
    rows = []
    http = r.get("http") or {}
    for case, title in (("http-100", "100 HTTP viewers 1280×720 @ 30 fps"),
                        ("http-300", "300 HTTP viewers 1280×720 @ 30 fps"),
                        ("http-1000", "1000 HTTP viewers 640×480 @ 5 fps"),
                        ("mixed-100", "50 TCP + 50 HTTP viewers 1280×720 @ 30 fps")):
        m = (http.get(case) or {}).get("median")
        if m:
            rows.append((f"{title}: every fast viewer ≥ 99 % of frames",
                         f"worst viewer {pct(m['fast_fraction_of_captured_min'])} of frames captured "
                         f"({pct(m['fast_fraction_min'])} of fps × s)",
                         m["fast_fraction_of_captured_min"] >= 0.99))
    m = (http.get("http-100") or {}).get("median")
    if m:
        rows.append(("daemon send p99 < 5 ms at 100 HTTP viewers",
                     f"p99 {fmt(m['send_latency_p99_ms'], 2)} ms (worst second {fmt(m['send_latency_p99_ms_max'], 2)} ms)",
                     m["send_latency_p99_ms"] is not None and m["send_latency_p99_ms"] < 5))
    tcp = (http.get("tcp-100") or {}).get("median")
    ratio = http.get("cpu_ratio_http_to_tcp_at_100")
    if m and tcp:
        rows.append(("frames per daemon CPU-s at 100 HTTP viewers within 10 % of TCP's (ratio ≥ 0.90)",
                     f"{fmt(m['frames_per_daemon_cpu_s'], 0)} vs {fmt(tcp['frames_per_daemon_cpu_s'], 0)} = {fmt(ratio, 3)}×",
                     ratio is not None and ratio >= 0.9))
    many = (http.get("http-1000") or {}).get("median")
    if many:
        frame_mem = r.get("frame_memory_kib", {}).get("640x480", 0)
        limit = 64 * MIB + frame_mem
        rows.append((f"RSS at 1000 HTTP viewers < 64 MiB + frame memory ({fmt(frame_mem / MIB, 1)} MiB) = {fmt(limit / MIB, 1)} MiB",
                     f"RSS {fmt(many['rss_max_kib'] / MIB, 1)} MiB (anonymous {fmt(many['rss_anon_max_kib'] / MIB, 1)} MiB; "
                     f"+{fmt((many['rss_max_kib'] - many['rss_before_kib']) / MIB, 1)} MiB over 0 viewers)",
                     many["rss_max_kib"] < limit))
    return rows


def print_http(r):
    http = r.get("http") or {}
    print("\n### HTTP viewers (issue 10)\n")
    print("| target | measured (median) | result |")
    print("|---|---|---|")
    for target, measured, ok in http_targets(r):
        print(f"| {target} | {measured} | {verdict(ok)} |")
    print("\n| viewers | protocol | source | runs | fast viewers' frames, worst (of captured / of fps × s) "
          "| e2e latency p50 / p99 (ms) | daemon send p50 / p99 (ms) | daemon CPU (% of a core) "
          "| frames per daemon CPU-s | RSS max (MiB) | loadgen CPU (% of a core) |")
    print("|---:|---|---|---:|---|---|---|---:|---:|---:|---:|")
    for case, viewers, protocol, source in (("tcp-100", "100", "TCP", "1280×720 @ 30"),
                                            ("http-100", "100", "HTTP", "1280×720 @ 30"),
                                            ("http-300", "300", "HTTP", "1280×720 @ 30"),
                                            ("mixed-100", "50 + 50", "TCP + HTTP", "1280×720 @ 30"),
                                            ("http-1000", "1000", "HTTP", "640×480 @ 5")):
        c = http.get(case)
        if not c:
            continue
        f = c["median"]
        print(f"| {viewers} | {protocol} | {source} | {len(c['runs'])} "
              f"| {pct(f['fast_fraction_of_captured_min'])} / {pct(f['fast_fraction_min'])} "
              f"| {fmt(f['latency_p50_ms'], 2)} / {fmt(f['latency_p99_ms'], 2)} "
              f"| {fmt(f['send_latency_p50_ms'], 2)} / {fmt(f['send_latency_p99_ms'], 2)} "
              f"| {fmt(f['daemon_cpu_percent_of_one_core'], 1)} | {fmt(f['frames_per_daemon_cpu_s'], 0)} "
              f"| {fmt(f['rss_max_kib'] / MIB, 1)} | {fmt(f['loadgen_cpu_percent_of_one_core'], 0)} |")
    mixed = (http.get("mixed-100") or {}).get("median")
    if mixed:
        print(f"\nMixed run, per protocol: TCP worst viewer {pct(mixed.get('tcp_fast_fraction_of_captured_min'))}, "
              f"e2e p50 / p99 {fmt(mixed.get('tcp_latency_p50_ms'), 2)} / {fmt(mixed.get('tcp_latency_p99_ms'), 2)} ms; "
              f"HTTP worst viewer {pct(mixed.get('http_fast_fraction_of_captured_min'))}, "
              f"e2e p50 / p99 {fmt(mixed.get('http_latency_p50_ms'), 2)} / {fmt(mixed.get('http_latency_p99_ms'), 2)} ms.")
    pairs = http.get("cpu_ratio_pairs_at_100") or []
    tcp_runs = (http.get("tcp-100") or {}).get("runs", [])
    http_runs = (http.get("http-100") or {}).get("runs", [])
    if pairs:
        print(f"\nCPU at 100 viewers, HTTP ÷ TCP: **{fmt(http.get('cpu_ratio_http_to_tcp_at_100'), 3)}×** (median ÷ median). "
              f"Each of the {len(pairs)} pairs (TCP, then HTTP straight after): "
              + ", ".join(f"{fmt(x, 3)}×" for x in pairs)
              + f"; TCP {', '.join(fmt(a['figures']['frames_per_daemon_cpu_s'], 0) for a in tcp_runs)}"
              + f" vs HTTP {', '.join(fmt(b['figures']['frames_per_daemon_cpu_s'], 0) for b in http_runs)}"
              + " frames per CPU-s.")


ADMISSION_KINDS = (("churn-tickets", "tickets (+ ledger)"),
                   ("churn-open-ledger", "open + ledger"),
                   ("churn-open", "open, no ledger"))


def admission_targets(r):
    """(target, measured, pass) for the performance part of issue 11."""
    rows = []
    adm = r.get("admission") or {}
    burst = (adm.get("burst-tickets-1000") or {}).get("median")
    if burst:
        rows.append(("1000 ticketed viewers connecting at once: all admitted",
                     f"{fmt(burst['accepted'])} of 1,000 in {fmt(burst['connect_s'], 2)} s "
                     f"(refused {fmt(burst['rejected'])}); hello p50 / p99 "
                     f"{fmt(burst['hello_steady_p50_ms'], 2)} / {fmt(burst['hello_steady_p99_ms'], 2)} ms",
                     burst["accepted"] == 1000))
        rows.append(("then steady (640×480 @ 5 fps): worst viewer ≥ 99 % of frames",
                     f"worst viewer {pct(burst['fast_fraction_of_captured_min'])} of frames captured "
                     f"({pct(burst['fast_fraction_min'])} of 5 fps × {fmt(burst['measured_s'], 1)} s)",
                     burst["fast_fraction_of_captured_min"] >= 0.99))
    churn = (adm.get("churn-tickets") or {}).get("median")
    if churn:
        rows.append(("churn 200/s with tickets beside 50 steady viewers: steady viewers ≥ 99 % of frames",
                     f"worst viewer {pct(churn['fast_fraction_of_captured_min'])} of frames captured; "
                     f"{fmt(churn['churn_admissions_per_s'], 0)} admissions/s in the window, "
                     f"{fmt(churn['churn_rejected_in_window'])} refused",
                     churn["fast_fraction_of_captured_min"] >= 0.99))
        ratio = adm.get("cpu_per_admission_ratio_tickets_to_open")
        rows.append(("churn with tickets: hello latency p99, daemon CPU per admission (recorded)",
                     f"hello p99 {fmt(churn['hello_churn_p99_ms'], 2)} ms; "
                     f"{fmt(churn['churn_cpu_per_admission_us'], 0)} µs per admission, "
                     f"{fmt(ratio, 2)}× open's", True))
        opened, ledger = churn.get("sessions_opened"), churn.get("ledger_sessions")
        # At least: a churn connection still waiting for its answer when the
        # run ended may have been admitted without the load generator seeing it.
        rows.append(("the ledger holds every session of the churn run (after SIGTERM, none open)",
                     f"{fmt(ledger)} sessions for {fmt(opened)} admitted, {fmt(churn.get('ledger_sessions_open'))} open",
                     ledger is not None and opened is not None and ledger >= opened
                     and churn.get("ledger_sessions_open") == 0))
    return rows


def print_admission(r):
    adm = r.get("admission") or {}
    print("\n### Admission with tickets (issue 11)\n")
    print("| target | measured (median) | result |")
    print("|---|---|---|")
    for target, measured, ok in admission_targets(r):
        print(f"| {target} | {measured} | {verdict(ok)} |")
    burst = adm.get("burst-tickets-1000")
    if burst:
        f = burst["median"]
        o = (adm.get("burst-open-1000") or {}).get("median") or {}
        print("\n| 1000 ticketed viewers at once | median | the same burst, open (no ledger) |")
        print("|---|---|---|")
        print(f"| admitted, time until all were in | {fmt(f['accepted'])} in {fmt(f['connect_s'], 2)} s "
              f"({fmt(f['accepted'] / f['connect_s'] if f['connect_s'] else None, 0)} per s) "
              f"| {fmt(o.get('accepted'))} in {fmt(o.get('connect_s'), 2)} s |")
        print(f"| hello latency (connect() → ServerHello, 64 in flight) p50 / p99 / max | "
              f"{fmt(f['hello_steady_p50_ms'], 2)} / {fmt(f['hello_steady_p99_ms'], 2)} / {fmt(f['hello_steady_max_ms'], 1)} ms "
              f"| {fmt(o.get('hello_steady_p50_ms'), 2)} / {fmt(o.get('hello_steady_p99_ms'), 2)} / "
              f"{fmt(o.get('hello_steady_max_ms'), 1)} ms |")
        print(f"| steady viewers' frames, worst (of captured / of fps × s) | {pct(f['fast_fraction_of_captured_min'])} / "
              f"{pct(f['fast_fraction_min'])} over {fmt(f['measured_s'], 1)} s | (connecting only) |")
        print(f"| end-to-end latency p50 / p99 | {fmt(f['latency_p50_ms'], 2)} / {fmt(f['latency_p99_ms'], 2)} ms | |")
        print(f"| daemon CPU in the steady window | {fmt(f['daemon_cpu_percent_of_one_core'], 1)} % of a core | |")
        print(f"| RSS max, anonymous max | {fmt(f['rss_max_kib'] / MIB, 1)} MiB, {fmt(f['rss_anon_max_kib'] / MIB, 1)} MiB | |")
        print(f"| ledger sessions after SIGTERM | {fmt(f['ledger_sessions'])} (open: {fmt(f['ledger_sessions_open'])}) | |")
    if any(adm.get(kind) for kind, _ in ADMISSION_KINDS):
        print("\n| churn 200/s beside 50 viewers, 1280×720 @ 30 | runs | admissions in window (/s) | refused "
              "| hello p50 / p99 / max (ms) | steady viewers, worst | daemon CPU, quiet → churn (% of a core) "
              "| CPU per admission (µs) | ledger sessions / admitted |")
        print("|---|---:|---|---:|---|---:|---|---:|---|")
        for kind, title in ADMISSION_KINDS:
            c = adm.get(kind)
            if not c:
                continue
            f = c["median"]
            print(f"| {title} | {len(c['runs'])} | {fmt(f['churn_accepted_in_window'])} ({fmt(f['churn_admissions_per_s'], 0)}) "
                  f"| {fmt(f['churn_rejected_in_window'])} "
                  f"| {fmt(f['hello_churn_p50_ms'], 2)} / {fmt(f['hello_churn_p99_ms'], 2)} / {fmt(f['hello_churn_max_ms'], 1)} "
                  f"| {pct(f['fast_fraction_of_captured_min'])} "
                  f"| {fmt(f['quiet_daemon_cpu_percent_of_one_core'], 1)} → {fmt(f['daemon_cpu_percent_of_one_core'], 1)} "
                  f"| {fmt(f['churn_cpu_per_admission_us'], 0)} | {fmt(f['ledger_sessions'])} / {fmt(f['sessions_opened'])} |")
        for other, title in (("open", "open without a ledger"), ("open-ledger", "open with the ledger")):
            ratio = adm.get(f"cpu_per_admission_ratio_tickets_to_{other}")
            pairs = adm.get(f"cpu_per_admission_ratio_pairs_tickets_to_{other}") or []
            if ratio is not None:
                print(f"\nCPU per admission, tickets ÷ {title}: **{fmt(ratio, 2)}×** (median ÷ median); "
                      f"per repetition: " + ", ".join(f"{fmt(x, 2)}×" for x in pairs) + ".")


def targets(r):
    """(target, measured, pass) for each target of issue 3."""
    rows = []
    fan = r["fanout"]["camstream"].get("100", {}).get("median", {})
    base = r["fanout"]["baseline"].get("100", {}).get("median", {})
    if fan:
        rows.append(("100 viewers 1280×720 @ 30 fps: every fast viewer ≥ 99 % of frames",
                     f"worst viewer {pct(fan['fast_fraction_of_captured_min'])} of frames captured "
                     f"({pct(fan['fast_fraction_min'])} of 30 fps × s)",
                     fan["fast_fraction_of_captured_min"] >= 0.99))
        ratio = r["fanout"]["cpu_efficiency_ratio_at_100"]
        rows.append(("frames per daemon CPU-second ≥ 3× thread-per-client baseline (100 viewers)",
                     f"{fmt(fan['frames_per_daemon_cpu_s'], 0)} vs {fmt(base.get('frames_per_daemon_cpu_s'), 0)}"
                     f" = {fmt(ratio, 2)}×", ratio is not None and ratio >= 3))
        rows.append(("latency added by the daemon (published → last byte to kernel) p99 < 5 ms at 100 viewers",
                     f"p99 {fmt(fan['send_latency_p99_ms'], 2)} ms (worst second {fmt(fan['send_latency_p99_ms_max'], 2)} ms)",
                     fan["send_latency_p99_ms"] is not None and fan["send_latency_p99_ms"] < 5))
        rows.append(("end-to-end latency (capture → last byte at viewer) within one frame interval (33.3 ms)",
                     f"p99 {fmt(fan['latency_p99_ms'], 2)} ms, max {fmt(fan['latency_max_ms'], 1)} ms",
                     fan["latency_p99_ms"] < 1000 / 30))
    many = (r.get("many_light_viewers") or {}).get("median")
    if many:
        frame_mem = r.get("frame_memory_kib", {}).get("640x480", 0)
        limit = 64 * MIB + frame_mem
        rows.append((f"RSS at 1000 viewers < 64 MiB + frame memory ({fmt(frame_mem / MIB, 1)} MiB) = {fmt(limit / MIB, 1)} MiB",
                     f"RSS {fmt(many['rss_max_kib'] / MIB, 1)} MiB (of which mapped files {fmt((many['rss_max_kib'] - many['rss_anon_max_kib']) / MIB, 1)} MiB, "
                     f"anonymous {fmt(many['rss_anon_max_kib'] / MIB, 1)} MiB; "
                     f"+{fmt((many['rss_max_kib'] - many['rss_before_kib']) / MIB, 1)} MiB over 0 viewers)",
                     many["rss_max_kib"] < limit))
    iso = (r.get("isolation") or {}).get("median")
    if iso:
        rows.append(("isolation: 90 fast viewers ≥ 99 % of frames beside 10 stalled",
                     f"worst viewer {pct(iso['fast_fraction_of_captured_min'])} of frames captured "
                     f"({pct(iso['fast_fraction_min'])} of 30 fps × s)", iso["fast_fraction_of_captured_min"] >= 0.99))
        rows.append(("isolation: the 10 stalled viewers are cut off (stall timeout 3 s)",
                     f"{fmt(iso['stalled_cut_off'])} of 10, after {fmt(iso['stalled_cut_off_after_s_median'], 1)} s "
                     f"(max {fmt(iso['stalled_cut_off_after_s_max'], 1)} s)",
                     iso["stalled_cut_off"] == 10))
        growth = iso["rss_end_kib"] - iso["rss_start_kib"]
        peak_growth = iso["rss_max_kib"] - iso["rss_start_kib"]
        rows.append(("isolation: no RSS growth with stalled viewers (end ≤ start + 2 MiB)",
                     f"start {fmt(iso['rss_start_kib'] / MIB, 1)} MiB, max {fmt(iso['rss_max_kib'] / MIB, 1)} MiB "
                     f"(+{fmt(peak_growth / MIB, 1)}), end {fmt(iso['rss_end_kib'] / MIB, 1)} MiB (+{fmt(growth / MIB, 1)})",
                     growth <= 2 * MIB))
    idle = (r.get("idle") or {}).get("median")
    if idle:
        rows.append(("idle (no viewers, 30 s): zero encodes",
                     f"{fmt(idle['encodes'])} encodes", idle["encodes"] == 0))
        rows.append(("idle: under 1 % of one core",
                     f"{fmt(idle['cpu_percent_of_one_core'], 2)} % ({fmt(idle['cpu_s'], 2)} CPU-s in {fmt(idle['seconds'])} s)",
                     idle["cpu_percent_of_one_core"] < 1))
    for size, case in (r.get("encode") or {}).items():
        m = case["median"]
        rows.append((f"encode {size}: daemon capture+encode ≥ 0.9× raw TurboJPEG",
                     f"{fmt(m['daemon_capture_encode_fps'], 0)} vs {fmt(m['raw_turbojpeg_fps'], 0)} fps = "
                     f"{fmt(m['ratio_capture_encode'], 3)}× (encoder alone {fmt(m['ratio_encoder'], 3)}×)",
                     m["ratio_capture_encode"] >= 0.9))
    churn = (r.get("churn") or {}).get("median")
    if churn:
        rows.append(("churn 200/s beside 50 viewers: steady viewers ≥ 99 % of frames",
                     f"worst viewer {pct(churn['fast_fraction_of_captured_min'])} of frames captured "
                     f"({pct(churn['fast_fraction_min'])} of 30 fps × s); {fmt(churn['churn_per_s'], 0)} churns/s done",
                     churn["fast_fraction_of_captured_min"] >= 0.99))
        rows.append(("churn: fd count back to baseline",
                     f"{fmt(churn['fd_before'])} before → {fmt(churn['fd_after_close'])} after",
                     churn["fd_after_close"] is not None and churn["fd_after_close"] <= churn["fd_before"]))
        rows.append(("churn: RSS back to baseline (with the 50 steady viewers: end ≤ start + 2 MiB)",
                     f"start {fmt(churn['rss_start_kib'] / MIB, 1)} → end {fmt(churn['rss_end_kib'] / MIB, 1)} MiB; "
                     f"0 viewers: {fmt(churn['rss_before_kib'] / MIB, 1)} → {fmt(churn['rss_after_close_kib'] / MIB, 1)} MiB",
                     churn["rss_end_kib"] <= churn["rss_start_kib"] + 2 * MIB))
    return rows


def main():
    r = json.load(open(sys.argv[1]))
    m = r["machine"]
    target_runs = len(r["fanout"]["camstream"].get("100", {}).get("runs", []))
    extra = f"; {target_runs} at 100 viewers" if target_runs > r["repetitions"] else ""
    print(f"Results of {r['date']} ({r['mode']} run, median of {r['repetitions']}{extra}), commit {r.get('commit')}: "
          f"{m['nproc']} × {m['cpu_model']}, {m['memory_gib']} GiB, Linux {m['kernel']}.\n")

    issue3 = targets(r)
    if issue3:
        print("### Targets (issue 3)\n")
        print("| target | measured (median) | result |")
        print("|---|---|---|")
        for target, measured, ok in issue3:
            print(f"| {target} | {measured} | {verdict(ok)} |")

    if any(r["fanout"][server] for server in ("camstream", "baseline")):
        print_fanout(r)
    print_others(r)
    if r.get("http"):
        print_http(r)
    if r.get("admission"):
        print_admission(r)
    if r.get("audio"):
        print_audio(r)


def audio_targets(a):
    """(target, measured, pass) for issue 13's measured claims."""
    rows = []
    heard = (a.get("fanout-audio-100") or {}).get("median")
    if heard:
        rows.append(("100 viewers with audio: each receives ≥ 99 % of audio packets",
                     f"worst viewer {pct(heard['audio_fraction_of_captured_min'])} of the packets captured, "
                     f"{fmt(heard['audio_gaps_max'], 0)} missing",
                     heard["audio_fraction_of_captured_min"] is not None
                     and heard["audio_fraction_of_captured_min"] >= 0.99))
        rows.append(("100 viewers with audio: pictures unharmed (every viewer ≥ 99 % of frames)",
                     f"worst viewer {pct(heard['fast_fraction_of_captured_min'])} of frames captured",
                     heard["fast_fraction_of_captured_min"] >= 0.99))
    return rows


def print_audio(r):
    a = r["audio"]
    print("\n### Audio (issue 13): ALSA capture, Opus encoding, fan-out\n")
    print("| target | measured (median) | result |")
    print("|---|---|---|")
    for target, measured, ok in audio_targets(a):
        print(f"| {target} | {measured} | {verdict(ok)} |")
    print("\n| case | runs | daemon CPU (% of a core) | audio packets per viewer, median | audio, worst viewer (of captured) "
          "| frames, worst viewer (of captured) | RSS max (MiB) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for case, title in (("capture-video-1", "1 viewer, 640×480 @ 5, no audio"),
                        ("capture-captured-1", "1 viewer, microphone captured, nobody listening"),
                        ("capture-encoded-1", "1 viewer listening (captured + Opus + sent)"),
                        ("fanout-video-100", "100 viewers, 1280×720 @ 30, video alone"),
                        ("fanout-audio-100", "100 viewers, 1280×720 @ 30, all with audio")):
        c = a.get(case)
        if not c:
            continue
        f = c["median"]
        heard = f["audio_requested"]
        print(f"| {title} | {len(c['runs'])} | {fmt(f['daemon_cpu_percent_of_one_core'], 2)} "
              f"| {fmt(f['audio_packets_median'], 0) if heard else '–'} "
              f"| {pct(f['audio_fraction_of_captured_min']) if heard else '–'} "
              f"| {pct(f['fast_fraction_of_captured_min'])} | {fmt(f['rss_max_kib'] / MIB, 1)} |")
    pairs = lambda key, digits: ", ".join(fmt(x, digits) for x in a.get(key) or [])
    print(f"\nWhat audio costs the daemon (differences within each repetition, median):\n")
    print(f"- ALSA capture, nobody listening: **{fmt(a['capture_cpu_percent_of_one_core'], 2)} % of a core** "
          f"({fmt(a['capture_cpu_us_per_packet'], 0)} µs per 20 ms packet; runs: {pairs('capture_cpu_percent_pairs', 2)}).")
    print(f"- Opus encoding and sending to one listener, over capture: **{fmt(a['encode_cpu_percent_of_one_core'], 2)} % of a core** "
          f"({fmt(a['encode_cpu_us_per_packet'], 0)} µs per packet; runs: {pairs('encode_cpu_percent_pairs', 2)}).")
    print(f"- 100 viewers with audio against video alone: **{fmt(a['fanout_cpu_ratio_audio_to_video_at_100'], 3)}×** the daemon CPU, "
          f"+{fmt(a['fanout_cpu_added_percent_at_100'], 1)} % of a core (runs: {pairs('fanout_cpu_ratio_pairs_audio_to_video_at_100', 3)}×).")


def print_fanout(r):
    print("\n### Fan-out: 1280×720 @ 30 fps, file source (no encoding)\n")
    print("| server | viewers | fast viewers' frames, worst / median (of 30 fps × s) | worst viewer, of frames captured | gaps, worst viewer "
          "| e2e latency p50 / p99 / max (ms) | daemon send p99 (ms) | server CPU (% of a core) "
          "| frames per server CPU-s | RSS start → end (MiB) | loadgen CPU (% of a core) |")
    print("|---|---:|---|---:|---:|---|---:|---:|---:|---|---:|")
    for server in ("camstream", "baseline"):
        for viewers, case in r["fanout"][server].items():
            f = case["median"]
            print(f"| {server} | {viewers} | {pct(f['fast_fraction_min'])} / {pct(f['fast_fraction_median'])} "
                  f"| {pct(f['fast_fraction_of_captured_min'])} | {fmt(f['fast_gaps_max'], 0)} | {fmt(f['latency_p50_ms'], 2)} / {fmt(f['latency_p99_ms'], 2)} / "
                  f"{fmt(f['latency_max_ms'], 1)} | {fmt(f['send_latency_p99_ms'], 2)} "
                  f"| {fmt(f['daemon_cpu_percent_of_one_core'], 1)} | {fmt(f['frames_per_daemon_cpu_s'], 0)} "
                  f"| {fmt(f['rss_start_kib'] / MIB, 1)} → {fmt(f['rss_end_kib'] / MIB, 1)} "
                  f"| {fmt(f['loadgen_cpu_percent_of_one_core'], 0)} |")
    ratio = r["fanout"].get("cpu_efficiency_ratio_at_100")
    print(f"\nCPU efficiency at 100 viewers, camstream ÷ baseline: **{fmt(ratio, 2)}×** (median ÷ median).")
    ours = r["fanout"]["camstream"].get("100", {}).get("runs", [])
    theirs = r["fanout"]["baseline"].get("100", {}).get("runs", [])
    if ours and theirs:
        pairs = [a["figures"]["frames_per_daemon_cpu_s"] / b["figures"]["frames_per_daemon_cpu_s"]
                 for a, b in zip(ours, theirs)]
        print(f"Each of the {len(pairs)} runs (camstream, then the baseline straight after): "
              + ", ".join(f"{fmt(x, 2)}×" for x in pairs)
              + f"; camstream {', '.join(fmt(a['figures']['frames_per_daemon_cpu_s'], 0) for a in ours)}"
              + f" vs baseline {', '.join(fmt(b['figures']['frames_per_daemon_cpu_s'], 0) for b in theirs)}"
              + " frames per CPU-s.")


def print_others(r):
    for key, title in (("many_light_viewers", "Many light viewers: 1000 viewers, 640×480 @ 5 fps"),
                       ("isolation", "Isolation: 100 viewers, 10 stalled, stall timeout 3 s, 1280×720 @ 30 fps"),
                       ("churn", "Churn: 200 connects + disconnects per second beside 50 steady viewers, 1280×720 @ 30 fps")):
        case = r.get(key)
        if not case:
            continue
        f = case["median"]
        print(f"\n### {title}\n")
        print("| figure | median |")
        print("|---|---|")
        print(f"| fast viewers' frames, worst / median | {pct(f['fast_fraction_min'])} / {pct(f['fast_fraction_median'])} "
              f"(of source fps × {fmt(f['measured_s'], 1)} s) |")
        print(f"| fast viewers' frames, worst, of frames captured | {pct(f['fast_fraction_of_captured_min'])} |")
        print(f"| gaps (dropped frames), worst viewer | {fmt(f['fast_gaps_max'], 0)} |")
        print(f"| end-to-end latency p50 / p99 / max | {fmt(f['latency_p50_ms'], 2)} / {fmt(f['latency_p99_ms'], 2)} / "
              f"{fmt(f['latency_max_ms'], 1)} ms |")
        print(f"| daemon send latency p50 / p99 | {fmt(f['send_latency_p50_ms'], 2)} / {fmt(f['send_latency_p99_ms'], 2)} ms |")
        print(f"| daemon CPU | {fmt(f['daemon_cpu_percent_of_one_core'], 1)} % of a core, "
              f"{fmt(f['frames_per_daemon_cpu_s'], 0)} frames per CPU-s |")
        print(f"| load generator CPU (same 2 cores) | {fmt(f['loadgen_cpu_percent_of_one_core'], 0)} % of a core |")
        print(f"| RSS before → start → max → end → after close | {fmt(f['rss_before_kib'] / MIB, 1)} → "
              f"{fmt(f['rss_start_kib'] / MIB, 1)} → {fmt(f['rss_max_kib'] / MIB, 1)} → {fmt(f['rss_end_kib'] / MIB, 1)} → "
              f"{fmt(f['rss_after_close_kib'] / MIB, 1)} MiB |")
        print(f"| anonymous RSS before → max → after close | {fmt(f['rss_anon_before_kib'] / MIB, 1)} → "
              f"{fmt(f['rss_anon_max_kib'] / MIB, 1)} → {fmt(f['rss_anon_after_close_kib'] / MIB, 1)} MiB |")
        print(f"| open fds before → start → end → after close | {fmt(f['fd_before'])} → {fmt(f['fd_start'])} → "
              f"{fmt(f['fd_end'])} → {fmt(f['fd_after_close'])} |")
        if f["stalled"]:
            print(f"| stalled viewers cut off | {fmt(f['stalled_cut_off'])} of {f['stalled']}, "
                  f"{fmt(f['stalled_cut_off_after_s_median'], 2)} s after they stopped reading |")
        if key == "churn":
            print(f"| churn connections completed | {fmt(f['churn_completed'])} ({fmt(f['churn_per_s'], 0)}/s), "
                  f"failed {fmt(f['churn_failed'])}, skipped {fmt(f['churn_skipped'])} |")

    if r.get("encode"):
        print("\n### Encode path: test pattern, JPEG quality 80, 4:2:0, fast DCT (frames/s)\n")
        print("| size | raw TurboJPEG | daemon encoder | daemon capture + encode | retrieve() alone | encoder ÷ raw | capture+encode ÷ raw |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for size, case in r["encode"].items():
            m = case["median"]
            print(f"| {size} | {fmt(m['raw_turbojpeg_fps'], 0)} | {fmt(m['daemon_encoder_fps'], 0)} | "
                  f"{fmt(m['daemon_capture_encode_fps'], 0)} | {fmt(m.get('retrieve_only_fps'), 0)} | {fmt(m['ratio_encoder'], 2)} | {fmt(m['ratio_capture_encode'], 2)} |")

    idle = (r.get("idle") or {}).get("median")
    if idle:
        print("\n### Idle: test pattern 1280×720 @ 30 fps, no viewers\n")
        print(f"{fmt(idle['cpu_s'], 2)} CPU-s in {fmt(idle['seconds'])} s = {fmt(idle['cpu_percent_of_one_core'], 2)} % "
              f"of one core; {fmt(idle['encodes'])} encodes; RSS {fmt(idle['rss_kib'] / MIB, 1)} MiB.")


if __name__ == "__main__":
    main()
