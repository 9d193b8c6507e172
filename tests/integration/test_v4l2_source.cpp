// Integration: camstreamd on a V4L2 camera — the fake device of tests/fake_v4l2,
// which the daemon's capture code cannot tell from a driver. MJPEG is passed
// through byte for byte (no encode), broken frames are dropped and counted,
// missing Huffman tables are put back, YUYV is encoded, a granted size that
// differs is announced, and an unplugged or stalled camera is reported lost and
// comes back to the same viewers by itself, also under another node name.
#include "support/daemon_process.hpp"
#include "support/fake_camera.hpp"
#include "support/test_client.hpp"
#include "support/viewer_group.hpp"

#include <doctest/doctest.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <csignal>
#include <fstream>
#include <set>

using namespace camstream;
using namespace camstream::test;
using namespace std::chrono_literals;

namespace {

using Bytes = std::vector<std::uint8_t>;

// `count` different JPEGs of 320x240 in <root>/frames, in name order.
std::vector<Bytes> make_jpegs(FakeCamera& camera, int count, bool strip_huffman_tables = false) {
    const auto folder = camera.root() / "frames";
    std::filesystem::create_directories(folder);
    std::vector<Bytes> files;
    for (int index = 0; index < count; ++index) {
        cv::Mat image(240, 320, CV_8UC3, cv::Scalar(40.0 * index, 100, 200 - 30.0 * index));
        image(cv::Rect(20 + 50 * index, 100, 40, 40)).setTo(cv::Scalar(255, 255, 255));
        Bytes bytes;
        REQUIRE(cv::imencode(".jpg", image, bytes));
        if (strip_huffman_tables) {
            // The segments before the scan, without DHT: as some UVC cameras send MJPEG.
            Bytes stripped(bytes.begin(), bytes.begin() + 2);
            std::size_t at = 2;
            while (bytes[at + 1] != 0xDA) {
                const std::size_t length = (std::size_t{bytes[at + 2]} << 8) | bytes[at + 3];
                if (bytes[at + 1] != 0xC4) stripped.insert(stripped.end(), bytes.begin() + at, bytes.begin() + at + 2 + length);
                at += 2 + length;
            }
            stripped.insert(stripped.end(), bytes.begin() + at, bytes.end());
            bytes = std::move(stripped);
        }
        const auto path = folder / ("frame-" + std::to_string(index) + ".jpg");
        std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                                    static_cast<std::streamsize>(bytes.size()));
        files.push_back(std::move(bytes));
    }
    camera.set("frames", folder.string());
    return files;
}

std::vector<std::uint64_t> digests_of(const std::vector<Bytes>& files) {
    std::vector<std::uint64_t> digests;
    for (const auto& file : files) digests.push_back(payload_digest(file));
    return digests;
}

FakeCamera mjpeg_camera() {
    return FakeCamera({{"card", "Porch Camera"}, {"formats", "MJPG,YUYV"}, {"sizes", "320x240,640x480"},
                       {"fps", "30,20"}});
}

std::vector<std::string> camera_settings(const std::string& device, std::vector<std::string> more = {}) {
    std::vector<std::string> settings{"source.uri=v4l2:" + device, "source.width=320", "source.height=240",
                                      "source.fps=20", "source.retry_initial=200ms", "source.retry_max=1s",
                                      "viewer.heartbeat_interval=200ms", "log.stats_interval=1s"};
    settings.insert(settings.end(), more.begin(), more.end());
    return settings;
}

bool heard_lost(TestClient& viewer) {
    viewer.read_available();
    return !viewer.heartbeats().empty() && viewer.heartbeats().back().heartbeat.state == wire::SourceState::lost;
}

}  // namespace

TEST_CASE("v4l2 source: a camera's MJPEG reaches viewers byte for byte, in order, with no encode") {
    auto camera = mjpeg_camera();
    const auto digests = digests_of(make_jpegs(camera, 5));
    // Through a stable name, as users are told to configure it.
    const auto by_id = camera.root() / "usb-Porch_Camera-video-index0";
    std::filesystem::create_symlink(camera.path(), by_id);
    DaemonProcess daemon(camera_settings(by_id.string()), camera.env());
    INFO("daemon log:\n" << daemon.log_tail());
    CHECK(daemon.wait_for_log("Porch Camera, MJPG 320x240 at 20 fps", 5s));

    TestClient viewer(daemon.port());
    const auto hello = viewer.handshake();
    REQUIRE(hello.accepted());
    CHECK(hello.info.width == 320);
    CHECK(hello.info.height == 240);
    REQUIRE(viewer.receive_frames(20, 10s));
    const auto& frames = viewer.frames();
    for (std::size_t i = 0; i < frames.size(); ++i) {
        INFO("frame " << i);
        const auto at = std::find(digests.begin(), digests.end(), frames[i].payload_digest);
        REQUIRE(at != digests.end());  // one of the camera's files, unchanged
        if (i > 0) {
            // The next file for each frame on: the fake serves them in turn.
            const auto previous = std::find(digests.begin(), digests.end(), frames[i - 1].payload_digest);
            CHECK(static_cast<std::uint64_t>((at - previous + 5) % 5) == (frames[i].sequence - frames[i - 1].sequence) % 5);
        }
    }
    CHECK(sequence_violations(frames) == 0);
    CHECK(daemon.stop().exited_with(0));
    const auto stopped = daemon.log_line("camstreamd stopped:");
    REQUIRE(stopped);
    CHECK(stopped->find(" 0 encoded,") != std::string::npos);
    CHECK(stopped->find(" 0 passed through,") == std::string::npos);
}

TEST_CASE("v4l2 source: broken MJPEG frames are dropped and counted, whole ones go on") {
    auto camera = mjpeg_camera();
    camera.set("corrupt_every", "3");
    const auto digests = digests_of(make_jpegs(camera, 5));
    DaemonProcess daemon(camera_settings(camera.path().string()), camera.env());
    INFO("daemon log:\n" << daemon.log_tail());
    TestClient viewer(daemon.port());
    REQUIRE(viewer.handshake().accepted());
    REQUIRE(viewer.receive_frames(15, 10s));
    for (const auto& frame : viewer.frames()) {
        CHECK(frame.valid_jpeg);
        CHECK(std::find(digests.begin(), digests.end(), frame.payload_digest) != digests.end());
    }
    CHECK(daemon.wait_for_log("dropped a broken frame", 5s));
    CHECK(daemon.stop().exited_with(0));
    const auto stopped = daemon.log_line("camstreamd stopped:");
    REQUIRE(stopped);
    CHECK(stopped->find(" 0 broken,") == std::string::npos);
}

TEST_CASE("v4l2 source: MJPEG without Huffman tables gets the standard ones and decodes") {
    auto camera = mjpeg_camera();
    const auto files = make_jpegs(camera, 3, true);
    DaemonProcess daemon(camera_settings(camera.path().string()), camera.env());
    INFO("daemon log:\n" << daemon.log_tail());
    TestClient viewer(daemon.port(), TestClient::Options{.keep_payloads = true});
    REQUIRE(viewer.handshake().accepted());
    REQUIRE(viewer.receive_frames(6, 10s));
    for (const auto& payload : viewer.payloads()) {
        const Bytes bytes(payload.begin(), payload.end());
        // Longer by the tables; the tables are there; a decoder reads the picture.
        CHECK(std::none_of(files.begin(), files.end(), [&](const Bytes& file) { return file == bytes; }));
        const std::uint8_t dht[] = {0xFF, 0xC4};
        CHECK(std::search(bytes.begin(), bytes.end(), std::begin(dht), std::end(dht)) != bytes.end());
        const auto picture = cv::imdecode(bytes, cv::IMREAD_COLOR);
        CHECK(picture.cols == 320);
        CHECK(picture.rows == 240);
    }
    CHECK(daemon.stop().exited_with(0));
}

TEST_CASE("v4l2 source: a YUYV camera is encoded from its planes, at the size the driver granted") {
    // Asked for 1280x720 MJPEG of a camera that has only YUYV and grants 320x240.
    FakeCamera camera({{"card", "Old Webcam"}, {"formats", "YUYV"}, {"sizes", "320x240"}, {"fps", "20"},
                       {"grant", "320x240"}});
    DaemonProcess daemon(camera_settings(camera.path().string(), {"source.width=1280", "source.height=720",
                                                                  "source.format=MJPG"}),
                         camera.env());
    INFO("daemon log:\n" << daemon.log_tail());
    CHECK(daemon.wait_for_log("asked for MJPG 1280x720 at 20 fps, the driver granted YUYV 320x240 at 20 fps; "
                              "running with what was granted",
                              5s));
    TestClient viewer(daemon.port(), TestClient::Options{.keep_payloads = true});
    const auto hello = viewer.handshake();
    REQUIRE(hello.accepted());
    CHECK(hello.info.width == 320);  // what the camera gives, not what was asked
    CHECK(hello.info.height == 240);
    REQUIRE(viewer.receive_frames(10, 10s));
    std::set<std::uint64_t> different;
    for (const auto& payload : viewer.payloads()) {
        const auto picture = cv::imdecode(payload, cv::IMREAD_GRAYSCALE);
        REQUIRE(picture.cols == 320);
        REQUIRE(picture.rows == 240);
        // The fake's luma is (x + y + frame) & 0xFF: check a pixel's neighbour steps by one.
        CHECK(std::abs(int(picture.at<std::uint8_t>(100, 101)) - int(picture.at<std::uint8_t>(100, 100)) - 1) <= 3);
        different.insert(payload_digest(payload));
    }
    CHECK(different.size() == viewer.payloads().size());  // a moving picture
    CHECK(daemon.stop().exited_with(0));
    const auto stopped = daemon.log_line("camstreamd stopped:");
    REQUIRE(stopped);
    CHECK(stopped->find(" 0 encoded,") == std::string::npos);
}

TEST_CASE("v4l2 source: an unplugged camera is reported lost, and found again as another node by its stable name") {
    auto camera = mjpeg_camera();
    const auto digests = digests_of(make_jpegs(camera, 5));
    const auto by_id = camera.root() / "usb-Porch_Camera-video-index0";
    std::filesystem::create_symlink(camera.path(), by_id);
    DaemonProcess daemon(camera_settings(by_id.string()), camera.env());
    INFO("daemon log:\n" << daemon.log_tail());
    TestClient viewer(daemon.port());
    REQUIRE(viewer.handshake().accepted());
    REQUIRE(viewer.receive_frames(10, 10s));

    camera.unplug();
    CHECK(wait_until([&] { return heard_lost(viewer); }, 5s));
    CHECK(daemon.wait_for_log("the camera is gone (unplugged?)", 5s));
    CHECK(daemon.wait_for_log("source=lost", 5s));
    const auto before = viewer.frames().size();

    // Back in another port: /dev/video1, the stable name follows it.
    camera.plug("video1");
    std::filesystem::remove(by_id);
    std::filesystem::create_symlink(camera.path(), by_id);
    REQUIRE(viewer.receive_frames(10, 10s));  // the same connection, without reconnecting
    CHECK(daemon.wait_for_log("is back: 320x240", 5s));
    CHECK(sequence_violations(viewer.frames()) == 0);
    CHECK(viewer.frames()[before].sequence > viewer.frames()[before - 1].sequence);
    CHECK(std::find(digests.begin(), digests.end(), viewer.frames().back().payload_digest) != digests.end());
    CHECK(daemon.count_in_log("the camera is gone") == 1);  // each change of state logged once
    CHECK(daemon.stop().exited_with(0));
}

TEST_CASE("v4l2 source: a stalled camera is reported lost, and stop returns promptly while it hangs") {
    auto camera = mjpeg_camera();
    make_jpegs(camera, 5);
    DaemonProcess daemon(camera_settings(camera.path().string()), camera.env());
    INFO("daemon log:\n" << daemon.log_tail());
    TestClient viewer(daemon.port());
    REQUIRE(viewer.handshake().accepted());
    REQUIRE(viewer.receive_frames(5, 10s));

    camera.set("stall", "1");
    CHECK(wait_until([&] { return heard_lost(viewer); }, 6s));
    CHECK(daemon.wait_for_log("source=lost", 5s));

    camera.set("stall", "0");
    const auto before = viewer.frames().size();
    REQUIRE(viewer.receive_frames(5, 10s));
    CHECK(viewer.frames().size() >= before + 5);

    // Stalled again: a stop must not wait for the camera.
    camera.set("stall", "1");
    std::this_thread::sleep_for(500ms);
    const auto asked = std::chrono::steady_clock::now();
    REQUIRE(daemon.send_signal(SIGTERM));
    const auto status = daemon.wait_for_exit(5s);
    REQUIRE(status);
    CHECK(status->exited_with(0));
    CHECK(std::chrono::steady_clock::now() - asked < 1500ms);
}

TEST_CASE("v4l2 source: --list-cameras shows what v4l2-ctl --list-formats-ext shows, and the uri to use") {
    skip_if_emulated("v4l2-ctl cannot preload a fake camera built for another architecture");
    FakeCamera camera({{"card", "Porch Camera"}, {"formats", "MJPG,YUYV"}, {"sizes", "320x240,1280x720"},
                       {"fps", "30,15"}});
    const auto listed = run_process({CAMSTREAMD_PATH, "--list-cameras", camera.path().string()}, 20s, camera.env());
    INFO(listed.stdout_text << listed.stderr_text);
    CHECK(listed.status.exited_with(0));
    CHECK(listed.stdout_text.find(camera.path().string() + ": Porch Camera (usb-fake-1)") != std::string::npos);
    CHECK(listed.stdout_text.find("  MJPG (") != std::string::npos);
    CHECK(listed.stdout_text.find("  YUYV (") != std::string::npos);
    CHECK(listed.stdout_text.find("use: source.uri: v4l2:" + camera.path().string()) != std::string::npos);
    CHECK(listed.stdout_text.find("libcamera") != std::string::npos);
    if (!std::filesystem::exists("/usr/bin/v4l2-ctl")) {
        MESSAGE("v4l2-ctl is not installed (scripts/install-deps installs v4l-utils); comparison skipped");
        return;
    }
    const auto reference = run_process({"/usr/bin/v4l2-ctl", "-d", camera.path().string(), "--list-formats-ext"},
                                       10s, camera.env());
    REQUIRE(reference.status.exited_with(0));
    // Every size and rate v4l2-ctl lists, --list-cameras lists as "WxH: rate, rate fps".
    std::size_t sizes = 0;
    for (const auto* size : {"320x240", "1280x720"}) {
        CHECK(reference.stdout_text.find(std::string("Size: Discrete ") + size) != std::string::npos);
        CHECK(listed.stdout_text.find(std::string("    ") + size + ": 30, 15 fps") != std::string::npos);
        ++sizes;
    }
    CHECK(reference.stdout_text.find("(30.000 fps)") != std::string::npos);
    CHECK(reference.stdout_text.find("(15.000 fps)") != std::string::npos);
    CHECK(sizes == 2);
}

TEST_CASE("v4l2 source: with picture options the camera's MJPEG is decoded, turned and stamped, and the turned size announced") {
    auto camera = mjpeg_camera();
    const auto digests = digests_of(make_jpegs(camera, 5));
    DaemonProcess daemon(camera_settings(camera.path().string(),
                                         {"picture.rotate=90", "picture.timestamp=%Y-%m-%d %H:%M:%S",
                                          "picture.label=Porch"}),
                         camera.env());
    INFO("daemon log:\n" << daemon.log_tail());
    TestClient viewer(daemon.port(), TestClient::Options{.keep_payloads = true});
    const auto hello = viewer.handshake();
    REQUIRE(hello.accepted());
    CHECK(hello.info.width == 240);  // a 320x240 camera turned a quarter
    CHECK(hello.info.height == 320);
    REQUIRE(viewer.receive_frames(5, 10s));
    for (std::size_t i = 0; i < viewer.payloads().size(); ++i) {
        CHECK(std::find(digests.begin(), digests.end(), viewer.frames()[i].payload_digest) == digests.end());
        const auto picture = cv::imdecode(viewer.payloads()[i], cv::IMREAD_COLOR);
        CHECK(picture.cols == 240);
        CHECK(picture.rows == 320);
    }
    CHECK(daemon.stop().exited_with(0));
    const auto stopped = daemon.log_line("camstreamd stopped:");
    REQUIRE(stopped);
    CHECK(stopped->find(" 0 passed through,") != std::string::npos);
}

TEST_CASE("v4l2 source: a camera replugged with another size is announced with it, and connected viewers get it") {
    FakeCamera camera({{"card", "Old Webcam"}, {"formats", "YUYV"}, {"sizes", "320x240"}, {"fps", "20"}});
    DaemonProcess daemon(camera_settings(camera.path().string()), camera.env());
    INFO("daemon log:\n" << daemon.log_tail());
    TestClient viewer(daemon.port(), TestClient::Options{.keep_payloads = true});
    REQUIRE(viewer.handshake().accepted());
    REQUIRE(viewer.receive_frames(3, 10s));

    camera.unplug();
    CHECK(wait_until([&] { return heard_lost(viewer); }, 5s));
    camera.set("sizes", "640x480");
    camera.plug();
    CHECK(daemon.wait_for_log("is back: 640x480", 10s));
    const auto before = viewer.frames().size();
    REQUIRE(viewer.receive_frames(3, 10s));
    const auto last = cv::imdecode(viewer.payloads().back(), cv::IMREAD_GRAYSCALE);
    CHECK(last.cols == 640);
    CHECK(last.rows == 480);
    CHECK(viewer.frames()[before].sequence > viewer.frames()[before - 1].sequence);

    TestClient newcomer(daemon.port());
    const auto hello = newcomer.handshake();
    REQUIRE(hello.accepted());
    CHECK(hello.info.width == 640);
    CHECK(hello.info.height == 480);
    CHECK(daemon.stop().exited_with(0));
}

TEST_CASE("v4l2 source: NV12 and YU12 cameras are encoded from their planes") {
    for (const auto* format : {"NV12", "YU12"}) {
        CAPTURE(format);
        FakeCamera camera({{"formats", format}, {"sizes", "320x240"}, {"fps", "20"}});
        DaemonProcess daemon(camera_settings(camera.path().string(), {std::string("source.format=") + format}),
                             camera.env());
        INFO("daemon log:\n" << daemon.log_tail());
        CHECK(daemon.wait_for_log(std::string(format) + " 320x240 at 20 fps", 5s));
        TestClient viewer(daemon.port(), TestClient::Options{.keep_payloads = true});
        REQUIRE(viewer.handshake().accepted());
        REQUIRE(viewer.receive_frames(3, 10s));
        for (const auto& payload : viewer.payloads()) {
            const auto picture = cv::imdecode(payload, cv::IMREAD_GRAYSCALE);
            REQUIRE(picture.cols == 320);
            REQUIRE(picture.rows == 240);
            // The fake's luma rises by one a pixel to the right, whatever the chroma layout.
            CHECK(std::abs(int(picture.at<std::uint8_t>(60, 201)) - int(picture.at<std::uint8_t>(60, 200)) - 1) <= 3);
        }
        CHECK(daemon.stop().exited_with(0));
    }
}
