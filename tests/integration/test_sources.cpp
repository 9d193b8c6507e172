// Integration: the file sources. A folder of JPEGs is sent byte for byte as the
// files are, in a loop, skipping a file deleted meanwhile; a video file is
// decoded by the video module (loaded on demand) and re-encoded; a missing file
// is reported and the daemon keeps going.
#include "support/daemon_process.hpp"
#include "support/test_client.hpp"
#include "support/viewer_group.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <set>

using namespace camstream::test;
using namespace std::chrono_literals;

namespace {

bool have_ffmpeg() { return std::filesystem::exists("/usr/bin/ffmpeg"); }

ProcessResult ffmpeg(const std::vector<std::string>& arguments) {
    std::vector<std::string> argv{"/usr/bin/ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi"};
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    return run_process(argv, 60s);
}

// Makes `count` JPEGs in `folder` with ffmpeg and returns their contents' digests.
std::set<std::uint64_t> make_jpegs(const TempDir& folder, const std::string& size, int count,
                                   const std::string& filter = "null") {
    REQUIRE(ffmpeg({"-i", "testsrc=size=" + size + ":rate=10", "-vf", filter, "-frames:v", std::to_string(count),
                    "-q:v", "4", (folder.path() / "frame-%02d.jpg").string()})
                .status.exited_with(0));
    std::set<std::uint64_t> digests;
    for (const auto& entry : std::filesystem::directory_iterator(folder.path())) {
        std::ifstream file(entry.path(), std::ios::binary);
        const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(file)), {});
        digests.insert(payload_digest(bytes));
    }
    return digests;
}

}  // namespace

TEST_CASE("file source: a folder of JPEGs is sent as the files are, in a loop") {
    if (!have_ffmpeg()) {
        MESSAGE("ffmpeg is not installed (scripts/install-deps installs it); skipped");
        return;
    }
    TempDir folder("jpegs");
    const auto file_digests = make_jpegs(folder, "240x160", 4);
    REQUIRE(file_digests.size() >= 2);

    DaemonProcess daemon({"source.uri=file:" + folder.path().string(), "source.fps=20"});
    INFO("daemon log:\n" << daemon.log_tail());
    TestClient viewer(daemon.port());
    const auto hello = viewer.handshake();
    REQUIRE(hello.accepted());
    CHECK(hello.info.width == 240);  // the files' size, not source.width
    CHECK(hello.info.height == 160);
    REQUIRE(viewer.receive_frames(12, 20s));
    std::set<std::uint64_t> sent_digests;
    for (const auto& frame : viewer.frames()) {
        CHECK(frame.valid_jpeg);
        sent_digests.insert(frame.payload_digest);
    }
    // Every file went out byte for byte, and the loop came round again.
    CHECK(sent_digests == file_digests);
}

TEST_CASE("file source: frames larger than the socket's send buffer arrive byte for byte") {
    if (!have_ffmpeg()) {
        MESSAGE("ffmpeg is not installed (scripts/install-deps installs it); skipped");
        return;
    }
    // Noisy pictures make JPEGs of ~100 KB; with a 16 KiB send buffer no frame
    // fits the socket at once, so each one is partly spliced from its pipe and
    // finished by libuv from memory. A seam in the wrong place corrupts the frame.
    TempDir folder("large-jpegs");
    const auto file_digests = make_jpegs(folder, "640x480", 3, "noise=alls=60:allf=t");
    REQUIRE(file_digests.size() == 3);
    std::uintmax_t smallest = UINTMAX_MAX;
    for (const auto& entry : std::filesystem::directory_iterator(folder.path())) {
        smallest = std::min(smallest, entry.file_size());
    }
    REQUIRE(smallest > 64u << 10);

    DaemonProcess daemon({"source.uri=file:" + folder.path().string(), "source.fps=10",
                          "viewer.socket_send_buffer=16KiB"});
    INFO("daemon log:\n" << daemon.log_tail());
    TestClient viewer(daemon.port());
    REQUIRE(viewer.handshake().accepted());
    REQUIRE(viewer.receive_frames(9, 20s));
    std::set<std::uint64_t> sent_digests;
    for (const auto& frame : viewer.frames()) sent_digests.insert(frame.payload_digest);
    CHECK(sent_digests == file_digests);
    CHECK(sequence_violations(viewer.frames()) == 0);
}

TEST_CASE("file source: a video file is decoded by the video module and streamed in a loop") {
    if (!have_ffmpeg()) {
        MESSAGE("ffmpeg is not installed (scripts/install-deps installs it); skipped");
        return;
    }
    TempDir folder("video");
    const auto clip = folder.path() / "clip.mp4";
    REQUIRE(ffmpeg({"-i", "testsrc=size=320x240:rate=10", "-t", "1", "-c:v", "mpeg4", clip.string()})
                .status.exited_with(0));
    DaemonProcess daemon({"source.uri=file:" + clip.string(), "source.fps=20"});
    INFO("daemon log:\n" << daemon.log_tail());
    TestClient viewer(daemon.port());
    const auto hello = viewer.handshake();
    REQUIRE(hello.accepted());
    CHECK(hello.info.width == 320);
    CHECK(hello.info.height == 240);
    // A 10-frame clip: 25 frames means it looped.
    REQUIRE(viewer.receive_frames(25, 30s));
    CHECK(std::all_of(viewer.frames().begin(), viewer.frames().end(), [](const auto& f) { return f.valid_jpeg; }));
    CHECK(daemon.count_in_log("is live") >= 1);
}

TEST_CASE("file source: a missing file is reported and retried, and the daemon keeps serving") {
    TempDir folder("missing");
    const auto path = folder.path() / "nothing-here.mp4";
    DaemonProcess daemon({"source.uri=file:" + path.string()});
    INFO("daemon log:\n" << daemon.log_tail());
    CHECK(daemon.wait_for_log("nothing-here.mp4: no such file or folder", 10s));
    // Viewers are still accepted and told that the source is lost.
    TestClient viewer(daemon.port());
    REQUIRE(viewer.handshake().accepted());
    REQUIRE(wait_until([&] { viewer.read_available(); return !viewer.heartbeats().empty(); }, 10s));
    CHECK(viewer.heartbeats().back().heartbeat.state == camstream::wire::SourceState::lost);
    CHECK(viewer.frames().empty());
}

TEST_CASE("folder source: a file deleted while streaming is skipped and the stream goes on, in order") {
    if (!have_ffmpeg()) {
        MESSAGE("ffmpeg is not installed (scripts/install-deps installs it); skipped");
        return;
    }
    TempDir folder("vanishing-jpegs");
    REQUIRE(make_jpegs(folder, "160x120", 10).size() == 10);
    const auto name = [](std::size_t index) {  // 0 -> frame-01.jpg
        return "frame-" + std::string(index < 9 ? "0" : "") + std::to_string(index + 1) + ".jpg";
    };
    // The files' digests, in name order.
    std::vector<std::uint64_t> digests;
    for (std::size_t i = 0; i < 10; ++i) {
        std::ifstream file(folder.path() / name(i), std::ios::binary);
        const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(file)), {});
        REQUIRE(!bytes.empty());
        digests.push_back(payload_digest(bytes));
    }
    const auto index_of = [](const std::vector<std::uint64_t>& list, std::uint64_t digest) {
        return static_cast<std::size_t>(std::find(list.begin(), list.end(), digest) - list.begin());
    };

    DaemonProcess daemon({"source.uri=file:" + folder.path().string(), "source.fps=20"});
    INFO("daemon log:\n" << daemon.log_tail());
    TestClient viewer(daemon.port());
    REQUIRE(viewer.handshake().accepted());
    // A file five ahead of the one just received (a quarter second), in the
    // same loop: the source reaches it before it lists the folder again, and
    // finds it gone.
    REQUIRE(viewer.receive_frames(1, 20s));
    while (index_of(digests, viewer.frames().back().payload_digest) > 4) REQUIRE(viewer.receive_frames(1, 5s));
    const auto doomed = index_of(digests, viewer.frames().back().payload_digest) + 5;
    REQUIRE(std::filesystem::remove(folder.path() / name(doomed)));
    const auto deleted_at = viewer.frames().size();
    // Three more loops of the folder, without a pause: the source is never lost.
    REQUIRE(viewer.receive_frames(30, 20s));
    CHECK(daemon.wait_for_log("skipped " + name(doomed) + ": it vanished", 5s));
    CHECK(daemon.count_in_log("stopped delivering frames") == 0);
    CHECK(sequence_violations(viewer.frames()) == 0);

    // From then on the file is never sent, the nine others are, and in name
    // order: each frame is as many files on from the one before as its
    // sequence number is.
    auto remaining = digests;
    remaining.erase(remaining.begin() + static_cast<std::ptrdiff_t>(doomed));
    const auto& frames = viewer.frames();
    std::set<std::uint64_t> later;
    for (std::size_t i = deleted_at; i < frames.size(); ++i) {
        INFO("frame " << i << ", sequence " << frames[i].sequence);
        CHECK(frames[i].valid_jpeg);
        CHECK(frames[i].payload_digest != digests[doomed]);
        later.insert(frames[i].payload_digest);
        const auto files_on = (index_of(remaining, frames[i].payload_digest) + remaining.size() -
                               index_of(remaining, frames[i - 1].payload_digest)) % remaining.size();
        CHECK(files_on == (frames[i].sequence - frames[i - 1].sequence) % remaining.size());
    }
    CHECK(later == std::set<std::uint64_t>(remaining.begin(), remaining.end()));
}

TEST_CASE("folder source: a folder renamed away while streaming is reported lost, and streams again when it is back") {
    if (!have_ffmpeg()) {
        MESSAGE("ffmpeg is not installed (scripts/install-deps installs it); skipped");
        return;
    }
    TempDir parent("renamed-folder");
    const auto folder = parent.path() / "camera";
    const auto away = parent.path() / "camera-away";
    std::filesystem::create_directory(folder);
    REQUIRE(ffmpeg({"-i", "testsrc=size=160x120:rate=10", "-frames:v", "5", "-q:v", "4",
                    (folder / "frame-%02d.jpg").string()})
                .status.exited_with(0));
    DaemonProcess daemon({"source.uri=file:" + folder.string(), "source.fps=20", "viewer.heartbeat_interval=200ms",
                          "log.stats_interval=1s"});
    INFO("daemon log:\n" << daemon.log_tail());
    TestClient viewer(daemon.port());
    REQUIRE(viewer.handshake().accepted());
    REQUIRE(viewer.receive_frames(10, 10s));

    std::filesystem::rename(folder, away);
    const auto lost = [&] {
        viewer.read_available();
        return !viewer.heartbeats().empty() &&
               viewer.heartbeats().back().heartbeat.state == camstream::wire::SourceState::lost;
    };
    // Lost within a few frame intervals (the lost threshold is at least 2 s).
    CHECK(wait_until(lost, 6s));
    CHECK(daemon.wait_for_log("source=lost", 5s));
    const auto frames_while_away = viewer.frames().size();

    std::filesystem::rename(away, folder);
    REQUIRE(viewer.receive_frames(10, 10s));
    CHECK(viewer.frames().size() >= frames_while_away + 10);
    CHECK(daemon.wait_for_log("camera is back", 5s));
    CHECK(sequence_violations(viewer.frames()) == 0);
    CHECK(daemon.stop().exited_with(0));
}
