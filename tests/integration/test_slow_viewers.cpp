// Integration: viewers that stop reading. What is held for them stays bounded
// (drop-oldest), the other viewers keep the full frame rate, and a viewer stalled
// for the stall timeout is disconnected.
#include "support/daemon_process.hpp"
#include "support/viewer_group.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>

using namespace camstream::test;
using namespace std::chrono_literals;

namespace {

// 20 fps rather than 30 leaves headroom for sanitizer builds on two busy cores.
constexpr int kFps = 20;
constexpr std::size_t kNormalViewers = 10;
constexpr std::size_t kStalledViewers = 5;
// Small enough that a viewer that stops reading closes its TCP window at once.
constexpr int kStalledReceiveBuffer = 4096;

// Under ASan freed memory sits in a quarantine (256 MiB by default) before reuse,
// which would read as growth here; keep the daemon's quarantine small (4 MiB) so
// RSS follows live memory. Other ASan options from the environment are kept.
std::vector<std::string> small_asan_quarantine() {
    std::string options;
    if (const char* inherited = std::getenv("ASAN_OPTIONS")) options = std::string(inherited) + ":";
    return {"ASAN_OPTIONS=" + options + "quarantine_size_mb=4:thread_local_quarantine_size_kb=256"};
}

std::uint32_t largest_frame(std::span<TestClient* const> viewers) {
    std::uint32_t largest = 0;
    for (const auto* viewer : viewers) {
        for (const auto& frame : viewer->frames()) largest = std::max(largest, frame.payload_size);
    }
    return largest;
}

void check_full_rate(std::span<TestClient* const> viewers, Clock::time_point from, Clock::time_point to) {
    const double seconds = std::chrono::duration<double>(to - from).count();
    const auto minimum = static_cast<std::size_t>(0.9 * kFps * seconds);
    for (const auto* viewer : viewers) {
        CAPTURE(viewer->summary());
        CAPTURE(seconds);
        CHECK_FALSE(viewer->ended());
        CHECK(viewer->frames_between(from, to) >= minimum);
        CHECK(sequence_violations(viewer->frames()) == 0);
        CHECK(invalid_jpegs(viewer->frames()) == 0);
    }
}

}  // namespace

TEST_CASE("heavy: slow viewers: stalled viewers slow nobody down and hold bounded memory") {
    // The memory bound is only provable while the encoder makes 1080p frames at
    // kFps (see unbounded_growth_kib below); qemu-user makes a few a second.
    skip_if_emulated("the encoder cannot make 1080p frames at the rate this memory bound needs");
    // 1920x1080 at quality 95 makes frames of ~150 KB, large enough that an
    // unbounded queue would show in RSS within the test (see the bound below). The
    // stall timeout is longer than the test: the stalled viewers are held throughout.
    DaemonProcess daemon({"source.width=1920", "source.height=1080", "encoder.jpeg_quality=95",
                          "source.fps=" + std::to_string(kFps), "viewer.stall_timeout=60s"},
                         small_asan_quarantine());
    INFO("daemon log:\n" << daemon.log_tail());

    ViewerGroup normal(daemon.port(), kNormalViewers);
    handshake_all(normal.all());
    // Warm-up: encoder buffers, allocator arenas and socket buffers reach steady state.
    pump_for(normal.all(), 3s);
    const auto baseline_kib = daemon.rss_kib();
    REQUIRE(baseline_kib.has_value());

    ViewerGroup stalled(daemon.port(), kStalledViewers, {.receive_buffer_bytes = kStalledReceiveBuffer, .source_address = {}});
    for (auto* viewer : stalled.all()) REQUIRE(viewer->handshake().accepted());
    // From here on the stalled viewers do not read.
    const auto stalled_since = Clock::now();
    constexpr auto kHeld = 12s;

    long peak_kib = *baseline_kib;
    auto next_sample = Clock::now();
    pump_until(
        normal.all(),
        [&] {
            if (Clock::now() >= next_sample) {
                if (const auto rss = daemon.rss_kib()) peak_kib = std::max(peak_kib, *rss);
                next_sample += 200ms;
            }
            return false;
        },
        kHeld);
    const auto resumed_at = Clock::now();
    const auto newest_at_resume = normal[0].frames().back().sequence;

    // Normal viewers: at least 90% of the nominal rate, measured after a second
    // for the stalled sockets to fill.
    check_full_rate(normal.all(), stalled_since + 1s, resumed_at);

    // Memory. A stalled session holds at most viewer.queue_frames (2) frames plus
    // the one being written, so the 5 stalled viewers pin at most 5 x 3 frames of
    // ~150 KB that would otherwise be freed: ~2.2 MB. The rest of the 16 MiB is
    // slack for the allocator (glibc arenas of the capture and encoder threads)
    // and, under ASan, its 4 MiB quarantine and per-thread caches. An unbounded
    // queue instead keeps every frame since the stall: frames are shared, so it
    // grows by 20 fps x ~150 KB = ~3 MB per second once the kernel's socket buffers
    // are full, ~30 MB over this test (checked below).
    constexpr long kGrowthBoundKib = 16 * 1024;
    const auto frame_bytes = largest_frame(normal.all());
    const long growth_kib = peak_kib - *baseline_kib;
    MESSAGE("RSS baseline " << *baseline_kib << " KiB, peak growth " << growth_kib << " KiB with "
                            << kStalledViewers << " stalled viewers; largest frame " << frame_bytes
                            << " bytes");
    CAPTURE(*baseline_kib);
    CAPTURE(peak_kib);
    CAPTURE(frame_bytes);
    CHECK(growth_kib < kGrowthBoundKib);
    // The test is only meaningful while an unbounded queue would exceed the bound:
    // allow up to 4 MiB of kernel buffering per stalled socket before a queue grows.
    const double held_seconds = std::chrono::duration<double>(resumed_at - stalled_since).count();
    const double kernel_seconds = 4.0 * 1024 * 1024 / (kFps * static_cast<double>(frame_bytes));
    const double unbounded_growth_kib =
        kFps * (held_seconds - kernel_seconds) * static_cast<double>(frame_bytes) / 1024.0;
    CAPTURE(unbounded_growth_kib);
    CHECK(unbounded_growth_kib > 1.5 * kGrowthBoundKib);
    CHECK(daemon.log_text().find("disconnected: stalled") == std::string::npos);

    // A stalled viewer that reads again first gets what was held for it, then the
    // newest frames: whole frames, in order, with gaps where frames were dropped.
    // What was held (its queue of 2, the frame in flight and the socket buffers)
    // must be little, at most half a second of video (10 frames), or a slow viewer
    // watches the past: the newest frame wins. Kernel socket buffers count too: on
    // loopback an untuned send buffer grows to megabytes, 20+ frames of 150 KB.
    // How fast a 4 KiB TCP window reopens after 12 s closed is the kernel's
    // business (zero-window probes back off), so the wait for a frame made after
    // the resume is bounded, not fixed.
    auto everyone = normal.with({});
    everyone.insert(everyone.end(), stalled.all().begin(), stalled.all().end());
    const auto fresh_after_resume = [&](const TestClient& viewer) {
        return !viewer.frames().empty() && viewer.frames().back().sequence >= newest_at_resume + kFps;
    };
    pump_until(
        everyone,
        [&] {
            return std::all_of(stalled.all().begin(), stalled.all().end(),
                               [&](const TestClient* viewer) { return fresh_after_resume(*viewer); });
        },
        15s);
    for (auto* viewer : stalled.all()) {
        CAPTURE(viewer->summary());
        const auto& frames = viewer->frames();
        CHECK_FALSE(viewer->ended());
        REQUIRE(frames.size() >= 2);
        CHECK(sequence_violations(frames) == 0);
        CHECK(invalid_jpegs(frames) == 0);
        const auto held = std::count_if(frames.begin(), frames.end(), [&](const ReceivedFrame& frame) {
            return frame.received_at >= resumed_at && frame.sequence <= newest_at_resume;
        });
        CAPTURE(held);
        CHECK(held <= kFps / 2);
        CHECK(fresh_after_resume(*viewer));  // caught up: a frame from a second after the resume
    }
    CHECK(daemon.stop().exited_with(0));
}

TEST_CASE("heavy: slow viewers: a viewer stalled for the stall timeout is disconnected") {
    constexpr auto kStallTimeout = 2s;
    DaemonProcess daemon({"source.width=640", "source.height=480",
                          "source.fps=" + std::to_string(kFps), "viewer.stall_timeout=2s"});
    INFO("daemon log:\n" << daemon.log_tail());

    ViewerGroup normal(daemon.port(), kNormalViewers);
    handshake_all(normal.all());
    pump_for(normal.all(), 2s);

    ViewerGroup stalled(daemon.port(), kStalledViewers, {.receive_buffer_bytes = kStalledReceiveBuffer, .source_address = {}});
    for (auto* viewer : stalled.all()) REQUIRE(viewer->handshake().accepted());
    const auto stalled_since = Clock::now();

    // Keep the normal viewers streaming until the daemon has logged every stalled
    // viewer's disconnection.
    auto disconnected_line = [&](const TestClient& viewer) {
        return daemon.log_line("viewer " + viewer.peer_name() + " disconnected");
    };
    const bool all_cut_off = pump_until(
        normal.all(),
        [&] {
            for (auto* viewer : stalled.all()) {
                if (!disconnected_line(*viewer)) return false;
            }
            return true;
        },
        kStallTimeout + 20s);
    const double cut_off_after = std::chrono::duration<double>(Clock::now() - stalled_since).count();
    MESSAGE("stalled viewers cut off " << cut_off_after << " s after they stopped reading");
    CHECK(all_cut_off);
    // Not before the stall timeout, and not long after it: filling the small
    // socket buffers of a viewer that stopped reading takes a moment, the daemon's
    // check runs every 100 ms, and sanitizers slow everything down, hence 5 s of slack.
    CHECK(cut_off_after >= 2.0);
    CHECK(cut_off_after <= 2.0 + 5.0);
    pump_for(normal.all(), 1s);
    const auto window_end = Clock::now();

    const auto stall_timeout_ms = std::chrono::milliseconds(kStallTimeout).count();
    const auto stall_reason =
        "disconnected: stalled (no write progress for " + std::to_string(stall_timeout_ms) + "ms)";
    for (auto* viewer : stalled.all()) {
        CAPTURE(viewer->peer_name());
        // The daemon logs why it cut this viewer off, once.
        const auto line = disconnected_line(*viewer);
        REQUIRE(line.has_value());
        CHECK(line->find(stall_reason) != std::string::npos);
        CHECK(daemon.count_in_log("viewer " + viewer->peer_name() + " disconnected") == 1);
        // The daemon resets a stalled viewer without a GOODBYE: it is not reading,
        // so a GOODBYE could not reach it, and the reset frees the kernel's copy of
        // its unsent frames at once. What the client still drains are whole frames,
        // then the connection ends: by that reset, or by a plain close where the
        // reset could not be made; never mid-message, never left open.
        CHECK(viewer->read_until_closed(15s));
        CAPTURE(viewer->summary());
        CHECK((viewer->ending() == Ending::reset || viewer->ending() == Ending::end_of_stream));
        CHECK_FALSE(viewer->goodbye().has_value());
        CHECK(sequence_violations(viewer->frames()) == 0);
    }
    // The normal viewers were never disturbed.
    check_full_rate(normal.all(), stalled_since + 1s, window_end);
    for (auto* viewer : normal.all()) {
        CHECK_FALSE(daemon.log_line("viewer " + viewer->peer_name() + " disconnected").has_value());
    }
    CHECK(daemon.stop().exited_with(0));
}
