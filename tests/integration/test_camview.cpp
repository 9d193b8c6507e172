// Integration: camview, the real viewer binary, against the real daemon: headless
// mode (JSON lines, --save, exit codes) and window mode under Xvfb; and against
// scripted servers that send what the daemon never would (frames that are not
// JPEG images, hostile sequence numbers and timestamps, garbage after the hello).
#include "support/camview_process.hpp"
#include "support/daemon_process.hpp"
#include "support/scripted_server.hpp"
#include "support/test_client.hpp"

#include <doctest/doctest.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>

using namespace camstream::test;
namespace wire = camstream::wire;
using namespace std::chrono_literals;

namespace {

const std::vector<std::string> k320x240at30{"source.width=320", "source.height=240",
                                            "source.fps=30"};

std::string all_lines(const ProcessResult& result) {
    return "camview " + result.status.describe() + (result.timed_out ? " (timed out)" : "") +
           "\nstdout:\n" + result.stdout_text + "\nstderr:\n" + result.stderr_text;
}

// Every stdout line is a flat JSON object with a "type"; the last one is the summary.
void check_json_lines(const ProcessResult& result, const std::string& expected_frames) {
    const auto lines = result.stdout_lines();
    REQUIRE_FALSE(lines.empty());
    for (const auto& line : lines) {
        CAPTURE(line);
        CHECK(looks_like_json_object(line));
        const auto type = json_field(line, "type");
        REQUIRE(type.has_value());
        CHECK((*type == "progress" || *type == "summary"));
    }
    const auto& summary = lines.back();
    CAPTURE(summary);
    CHECK(json_field(summary, "type") == std::optional<std::string>("summary"));
    CHECK(json_field(summary, "frames") == std::optional<std::string>(expected_frames));
}

// The summary line: the last JSON line whose type is "summary" in the output.
std::optional<std::string> summary_of(const std::string& output) {
    std::optional<std::string> summary;
    std::istringstream lines(output);
    for (std::string line; std::getline(lines, line);) {
        if (looks_like_json_object(line) &&
            json_field(line, "type") == std::optional<std::string>("summary")) {
            summary = line;
        }
    }
    return summary;
}

std::optional<std::uint64_t> number_field(const std::string& line, std::string_view key) {
    const auto value = json_field(line, key);
    if (!value || value->empty() || value->find_first_not_of("0123456789") != std::string::npos) {
        return std::nullopt;
    }
    return std::stoull(*value);
}

using Bytes = std::vector<std::uint8_t>;

// A real 320x240 JPEG (a gradient, so it is not trivially small).
Bytes good_jpeg() {
    cv::Mat image(240, 320, CV_8UC3);
    for (int y = 0; y < image.rows; ++y) {
        for (int x = 0; x < image.cols; ++x) {
            image.at<cv::Vec3b>(y, x) = cv::Vec3b(static_cast<std::uint8_t>(x),
                                                  static_cast<std::uint8_t>(y),
                                                  static_cast<std::uint8_t>(x + y));
        }
    }
    Bytes out;
    if (!cv::imencode(".jpg", image, out)) throw std::runtime_error("cannot encode a JPEG");
    return out;
}

// The kinds of frame payload a broken source or a hostile server may send.
Bytes random_bytes(std::mt19937& random, std::size_t size) {
    Bytes out(size);
    for (auto& byte : out) byte = static_cast<std::uint8_t>(random());
    if (!out.empty()) out[0] = 0x42;  // never FF by chance: this one is "not a JPEG"
    return out;
}
// Start and end markers around noise: looks like a JPEG, does not decode.
Bytes markers_around_garbage(std::mt19937& random) {
    Bytes out{0xFF, 0xD8, 0xFF};
    const auto noise = random_bytes(random, 2000);
    out.insert(out.end(), noise.begin(), noise.end());
    out.push_back(0xFF);
    out.push_back(0xD9);
    return out;
}
// A good JPEG cut short: libjpeg would still decode it, grey below the cut.
Bytes truncated(const Bytes& jpeg) { return Bytes(jpeg.begin(), jpeg.end() - 200); }

// A scripted server that accepts one viewer and sends it `payloads` as frames
// numbered from 1, then waits for it to leave.
ScriptedServer::Script stream_of(std::vector<Bytes> payloads) {
    return [payloads = std::move(payloads)](ScriptedConnection& connection) {
        if (!connection.read_hello() || !connection.send_accept()) return;
        std::uint64_t sequence = 0;
        for (const auto& payload : payloads) {
            if (!connection.send_frame(++sequence, wall_clock_us(), payload)) return;
        }
        connection.wait_for_close(30s);
    };
}

std::optional<std::filesystem::path> find_program(const std::string& name) {
    const char* path = std::getenv("PATH");
    std::istringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
    for (std::string dir; std::getline(dirs, dir, ':');) {
        const auto candidate = std::filesystem::path(dir) / name;
        if (access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    return std::nullopt;
}

// An Xvfb server on a display it picked itself (-displayfd), so parallel tests
// and other X servers on the machine cannot collide with it.
class VirtualDisplay {
public:
    VirtualDisplay(const std::filesystem::path& xvfb, const std::filesystem::path& dir)
        : number_path_(dir / "xvfb.display"), log_path_(dir / "xvfb.log") {
        process_ = std::make_unique<ChildProcess>(
            std::vector<std::string>{xvfb.string(), "-displayfd", "1", "-screen", "0", "800x600x24",
                                     "-nolisten", "tcp"},
            number_path_, log_path_);
        wait_until(
            [&] {
                const auto text = read_file(number_path_);
                return text.find('\n') != std::string::npos || !process_->running();
            },
            15s);
        const auto text = read_file(number_path_);
        if (text.find('\n') == std::string::npos) {
            throw std::runtime_error("Xvfb did not start: " + read_file(log_path_));
        }
        display_ = ":" + text.substr(0, text.find('\n'));
    }
    ~VirtualDisplay() { process_->stop(5s); }

    const std::string& name() const { return display_; }  // ":N"

private:
    std::filesystem::path number_path_;
    std::filesystem::path log_path_;
    std::unique_ptr<ChildProcess> process_;
    std::string display_;
};

}  // namespace

TEST_CASE("camview: headless mode receives 20 frames and ends with a JSON summary") {
    DaemonProcess daemon(k320x240at30);
    INFO("daemon log:\n" << daemon.log_tail());
    const auto result = run_camview(
        {"--headless", "--frames", "20", "--timeout", "30", loopback_address(daemon.port())}, 60s);
    INFO(all_lines(result));
    CHECK_FALSE(result.timed_out);
    CHECK(result.status.exited_with(0));
    check_json_lines(result, "20");
    // camview left by closing its socket, as the protocol says.
    CHECK(daemon.wait_for_log("closed by peer", 10s));
    CHECK(daemon.stop().exited_with(0));
}

TEST_CASE("camview: --save writes each received frame as a JPEG file") {
    DaemonProcess daemon(k320x240at30);
    INFO("daemon log:\n" << daemon.log_tail());
    TempDir saved("camview-save");
    const auto result =
        run_camview({"--headless", "--frames", "5", "--timeout", "30", "--save",
                     saved.path().string(), loopback_address(daemon.port())},
                    60s);
    INFO(all_lines(result));
    CHECK(result.status.exited_with(0));
    check_json_lines(result, "5");

    std::size_t files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(saved.path())) {
        CAPTURE(entry.path().string());
        ++files;
        const auto bytes = read_file(entry.path());
        CHECK(is_complete_jpeg(std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size())));
        const cv::Mat image = cv::imread(entry.path().string(), cv::IMREAD_COLOR);
        REQUIRE_FALSE(image.empty());
        CHECK(image.cols == 320);
        CHECK(image.rows == 240);
    }
    CHECK(files == 5);
}

TEST_CASE("camview: exits non-zero when nothing listens") {
    UnusedPort nothing;
    const auto result = run_camview(
        {"--headless", "--frames", "5", "--timeout", "2", loopback_address(nothing.port())}, 30s);
    INFO(all_lines(result));
    CHECK_FALSE(result.timed_out);
    CHECK(result.status.exited);  // an orderly exit, not a crash
    CHECK(result.status.code != 0);
    CHECK(result.seconds < 15.0);
}

TEST_CASE("camview: exits 1 with a summary when --timeout passes before N frames") {
    DaemonProcess daemon(k320x240at30);
    INFO("daemon log:\n" << daemon.log_tail());
    const auto result = run_camview(
        {"--headless", "--frames", "100000", "--timeout", "3", loopback_address(daemon.port())}, 60s);
    INFO(all_lines(result));
    CHECK_FALSE(result.timed_out);
    CHECK(result.status.exited_with(1));
    CHECK(result.seconds >= 2.5);
    CHECK(result.seconds < 20.0);
    const auto lines = result.stdout_lines();
    REQUIRE_FALSE(lines.empty());
    CHECK(json_field(lines.back(), "type") == std::optional<std::string>("summary"));
    const auto frames = json_field(lines.back(), "frames");
    REQUIRE(frames.has_value());
    // It did receive frames, just not 100000 of them.
    CHECK(std::stol(*frames) > 10);
    CHECK(std::stol(*frames) < 100000);
}

TEST_CASE("camview: reconnects to a restarted daemon and completes its frame count") {
    TempDir dir("camview");
    const auto log_path = dir.path() / "camview.out";
    auto first = std::make_unique<DaemonProcess>(k320x240at30);
    const auto port = first->port();
    INFO("first daemon log:\n" << first->log_tail());
    // 30 fps: ~1 s of frames from the first daemon, the rest from the second.
    auto camview = start_camview(
        {"--headless", "--frames", "60", "--timeout", "60", loopback_address(port)}, log_path);
    INFO("camview output:\n" << read_file(log_path));
    REQUIRE(first->wait_for_log(" connected", 15s));
    std::this_thread::sleep_for(1s);
    CHECK(camview->running());
    CHECK(first->stop().exited_with(0));

    // The same port again; the listen setting given last wins over the ephemeral one.
    auto settings = k320x240at30;
    settings.push_back("server.listen=" + loopback_address(port));
    DaemonProcess second(settings);
    INFO("second daemon log:\n" << second.log_tail());
    REQUIRE(second.port() == port);
    const auto status = camview->wait_for_exit(30s);
    REQUIRE(status.has_value());
    CHECK(status->exited_with(0));
    CHECK(second.log_text().find(" connected") != std::string::npos);
    // stdout and stderr share the file here: take the last summary line.
    std::optional<std::string> summary;
    std::istringstream output(read_file(log_path));
    for (std::string line; std::getline(output, line);) {
        if (looks_like_json_object(line) && json_field(line, "type") == std::optional<std::string>("summary")) {
            summary = line;
        }
    }
    REQUIRE(summary.has_value());
    CAPTURE(*summary);
    CHECK(json_field(*summary, "frames") == std::optional<std::string>("60"));
    // At least the connection to the second daemon was a reconnect.
    const auto reconnects = number_field(*summary, "reconnects");
    REQUIRE(reconnects.has_value());
    CHECK(*reconnects >= 1);
    CHECK(second.stop().exited_with(0));
}

TEST_CASE("heavy: camview: window mode shows the picture under Xvfb") {
    const auto xvfb = find_program("Xvfb");
    const auto ffmpeg = find_program("ffmpeg");
    if (!xvfb || !ffmpeg) {
        MESSAGE("skipped: Xvfb or ffmpeg is not installed (scripts/install-deps installs them)");
        return;
    }
    TempDir dir("camview-window");
    VirtualDisplay display(*xvfb, dir.path());
    DaemonProcess daemon;  // the demo configuration: 640x480 test pattern
    INFO("daemon log:\n" << daemon.log_tail());

    const auto camview_log = dir.path() / "camview.out";
    auto camview = start_camview({loopback_address(daemon.port())}, camview_log,
                                 {"DISPLAY=" + display.name()});
    INFO("camview output:\n" << read_file(camview_log));
    REQUIRE(daemon.wait_for_log(" connected", 15s));
    std::this_thread::sleep_for(4s);
    REQUIRE(camview->running());

    const auto shot = dir.path() / "shot.png";
    const auto grab = run_process({ffmpeg->string(), "-loglevel", "error", "-f", "x11grab",
                                   "-video_size", "800x600", "-i", display.name(), "-frames:v",
                                   "1", "-y", shot.string()},
                                  30s, {"DISPLAY=" + display.name()});
    INFO("ffmpeg: " << grab.status.describe() << "\n" << grab.stderr_text);
    REQUIRE(grab.status.exited_with(0));
    const cv::Mat image = cv::imread(shot.string(), cv::IMREAD_GRAYSCALE);
    REQUIRE_FALSE(image.empty());
    CHECK(image.cols == 800);
    CHECK(image.rows == 600);
    // An empty Xvfb screen is one flat colour (deviation 0); the test pattern in a
    // window is anything but.
    cv::Scalar mean;
    cv::Scalar deviation;
    cv::meanStdDev(image, mean, deviation);
    CAPTURE(mean[0]);
    CHECK(deviation[0] > 10.0);
    // And it is the picture, not a grey window with an error text: the test
    // pattern's colour bars are strongly saturated pixels.
    const cv::Mat colour = cv::imread(shot.string(), cv::IMREAD_COLOR);
    REQUIRE_FALSE(colour.empty());
    std::size_t saturated = 0;
    for (int y = 0; y < colour.rows; ++y) {
        for (int x = 0; x < colour.cols; ++x) {
            const auto& pixel = colour.at<cv::Vec3b>(y, x);
            const int high = std::max({pixel[0], pixel[1], pixel[2]});
            const int low = std::min({pixel[0], pixel[1], pixel[2]});
            if (high - low > 100) ++saturated;
        }
    }
    const double saturated_share = static_cast<double>(saturated) / static_cast<double>(colour.total());
    CAPTURE(saturated_share);
    CHECK(saturated_share > 0.05);
    if (const char* keep = std::getenv("CAMSTREAM_KEEP_SCREENSHOT")) {
        std::filesystem::copy_file(shot, keep, std::filesystem::copy_options::overwrite_existing);
    }

    const auto stopped = camview->stop(10s);
    CAPTURE(stopped.describe());
    CHECK_FALSE(stopped.needed_kill);
    CHECK(daemon.stop().exited_with(0));
}

TEST_CASE("camview: --headless exits 3 on frames that are not JPEG images, and counts them") {
    // 30 frames: random bytes, empty frames, markers around noise, truncated JPEGs.
    std::mt19937 random(12);
    const Bytes jpeg = good_jpeg();
    std::vector<Bytes> payloads;
    for (int i = 0; i < 30; ++i) {
        switch (i % 4) {
            case 0: payloads.push_back(random_bytes(random, 5000)); break;
            case 1: payloads.push_back({}); break;
            case 2: payloads.push_back(markers_around_garbage(random)); break;
            case 3: payloads.push_back(truncated(jpeg)); break;
        }
    }
    ScriptedServer server(stream_of(payloads));
    const auto result = run_camview(
        {"--headless", "--frames", "30", "--timeout", "20", loopback_address(server.port())}, 60s);
    INFO(all_lines(result));
    CHECK_FALSE(result.timed_out);
    CHECK(result.status.exited_with(3));
    check_json_lines(result, "30");
    const auto summary = result.stdout_lines().back();
    CAPTURE(summary);
    // i % 4 == 3 for 7 of the 30: truncated; the other 23 do not decode at all.
    CHECK(number_field(summary, "decode_errors") == std::optional<std::uint64_t>(23));
    CHECK(number_field(summary, "truncated_frames") == std::optional<std::uint64_t>(7));
    CHECK(result.stderr_text.find("not complete JPEG images") != std::string::npos);
}

TEST_CASE("camview: a JPEG declaring a gigapixel picture is refused before decoding, not allocated") {
    // A whole, valid-looking JPEG whose frame header says 32767x32767: a few
    // kilobytes asking the decoder for 3 GiB (just under OpenCV's own limit).
    Bytes huge = good_jpeg();
    const std::uint8_t frame_header[] = {0xFF, 0xC0};
    const auto sof = std::search(huge.begin(), huge.end(), std::begin(frame_header), std::end(frame_header));
    REQUIRE(sof != huge.end());
    sof[5] = 0x7F;
    sof[6] = 0xFF;
    sof[7] = 0x7F;
    sof[8] = 0xFF;
    std::vector<Bytes> payloads(5, good_jpeg());
    payloads[1] = huge;
    payloads[3] = huge;
    ScriptedServer server(stream_of(payloads));
    const auto result = run_camview(
        {"--headless", "--frames", "5", "--timeout", "20", loopback_address(server.port())}, 60s);
    INFO(all_lines(result));
    CHECK_FALSE(result.timed_out);
    CHECK(result.status.exited_with(3));
    const auto summary = result.stdout_lines().back();
    CHECK(number_field(summary, "decode_errors") == std::optional<std::uint64_t>(2));
}

TEST_CASE("camview: --headless exits 3 when the only bad frames are truncated JPEGs") {
    const Bytes jpeg = good_jpeg();
    std::vector<Bytes> payloads(10, jpeg);
    payloads[3] = truncated(jpeg);
    payloads[8] = truncated(jpeg);
    ScriptedServer server(stream_of(payloads));
    const auto result = run_camview(
        {"--headless", "--frames", "10", "--timeout", "20", loopback_address(server.port())}, 60s);
    INFO(all_lines(result));
    CHECK(result.status.exited_with(3));
    check_json_lines(result, "10");
    const auto summary = result.stdout_lines().back();
    CAPTURE(summary);
    CHECK(number_field(summary, "decode_errors") == std::optional<std::uint64_t>(0));
    CHECK(number_field(summary, "truncated_frames") == std::optional<std::uint64_t>(2));
}

TEST_CASE("camview: --headless exits 0 when every frame from a scripted server is a complete JPEG") {
    const Bytes jpeg = good_jpeg();
    std::vector<Bytes> payloads(30, jpeg);
    // Zero bytes after the end marker are padding some capture drivers add, not a cut.
    payloads[5].insert(payloads[5].end(), {0x00, 0x00});
    ScriptedServer server(stream_of(payloads));
    const auto result = run_camview(
        {"--headless", "--frames", "30", "--timeout", "20", loopback_address(server.port())}, 60s);
    INFO(all_lines(result));
    CHECK_FALSE(result.timed_out);
    CHECK(result.status.exited_with(0));
    check_json_lines(result, "30");
    const auto summary = result.stdout_lines().back();
    CAPTURE(summary);
    CHECK(number_field(summary, "decode_errors") == std::optional<std::uint64_t>(0));
    CHECK(number_field(summary, "truncated_frames") == std::optional<std::uint64_t>(0));
    CHECK(number_field(summary, "width") == std::optional<std::uint64_t>(320));
    CHECK(number_field(summary, "height") == std::optional<std::uint64_t>(240));
}

TEST_CASE("camview: hostile sequence numbers and timestamps give sane counts, not overflows") {
    constexpr auto kMax = std::numeric_limits<std::uint64_t>::max();
    constexpr std::uint64_t kTwoTo63 = std::uint64_t{1} << 63;
    struct Sent {
        std::uint64_t sequence;
        std::uint64_t timestamp_us;  // 0: now
    };
    // 4 is missing (one gap); the jump to 2^64-1 is a discontinuity; back to 1 a
    // reset (a restarted daemon). Timestamps near 2^63 and 2^64 overflowed the
    // latency computation (undefined behaviour, fatal in the sanitizer build).
    const std::vector<Sent> sent{
        {1, 0}, {2, kTwoTo63}, {3, 0}, {5, kMax}, {kMax, 0}, {1, kTwoTo63 - 1}, {2, 0}, {3, 0},
    };
    const Bytes jpeg = good_jpeg();
    ScriptedServer server([&](ScriptedConnection& connection) {
        if (!connection.read_hello() || !connection.send_accept()) return;
        for (const auto& frame : sent) {
            const auto timestamp = frame.timestamp_us == 0 ? wall_clock_us() : frame.timestamp_us;
            if (!connection.send_frame(frame.sequence, timestamp, jpeg)) return;
        }
        connection.wait_for_close(30s);
    });
    const auto result = run_camview({"--headless", "--frames", std::to_string(sent.size()),
                                     "--timeout", "20", loopback_address(server.port())},
                                    60s);
    INFO(all_lines(result));
    CHECK(result.status.exited_with(0));
    check_json_lines(result, std::to_string(sent.size()));
    const auto summary = result.stdout_lines().back();
    CAPTURE(summary);
    CHECK(number_field(summary, "sequence_gaps") == std::optional<std::uint64_t>(1));
    CHECK(number_field(summary, "sequence_discontinuities") == std::optional<std::uint64_t>(1));
    CHECK(number_field(summary, "sequence_resets") == std::optional<std::uint64_t>(1));
    // The latencies are numbers (some hugely negative), not nan or inf.
    const auto max_latency = json_field(summary, "max");
    REQUIRE(max_latency.has_value());
    CHECK(std::isfinite(std::stod(*max_latency)));
}

TEST_CASE("camview: after errors on accepted streams it reconnects with growing waits and counts each") {
    // Every connection is accepted, then ends badly, each time another way.
    const Bytes oversized = [] {
        wire::MessageHeader header;
        header.payload_length = static_cast<std::uint32_t>(wire::kMaxPayloadLength + 1);
        const auto bytes = wire::encode(header);
        return Bytes(bytes.begin(), bytes.end());
    }();
    const Bytes unknown_type = [] {
        wire::MessageHeader header;
        header.type = static_cast<wire::MessageType>(999);
        const auto bytes = wire::encode(header);
        return Bytes(bytes.begin(), bytes.end());
    }();
    std::mt19937 random(5);
    const Bytes garbage = random_bytes(random, 300);
    const Bytes goodbye = wire::encode_message(
        wire::MessageType::goodbye, 0, wall_clock_us(),
        wire::encode_payload(wire::Goodbye{wire::Reason::shutting_down, "scripted"}));
    ScriptedServer server([&](ScriptedConnection& connection) {
        if (!connection.read_hello() || !connection.send_accept()) return;
        switch (connection.index() % 5) {
            case 0: connection.send(oversized); break;
            case 1: connection.send(unknown_type); break;
            case 2: connection.send(garbage); break;
            case 3: connection.reset(); return;
            case 4: connection.send(goodbye); break;
        }
        connection.wait_for_close(5s);
    });

    // Waits of 0.5, 1, 2 and 4 s put connections at about 0, 0.5, 1.5, 3.5 and
    // 7.5 s, and the next at 15.5 s, well after the run. A fixed 0.5 s would
    // make about 18.
    const auto result = run_camview(
        {"--headless", "--frames", "1000", "--timeout", "9.5", loopback_address(server.port())},
        60s);
    server.stop();
    INFO(all_lines(result));
    CHECK(result.status.exited_with(1));  // the timeout: no frame ever came
    const auto connections = server.connections();
    CAPTURE(connections);
    CHECK(connections >= 4);
    CHECK(connections <= 6);

    const auto accepted = server.accepted_at();
    std::vector<double> intervals_s;
    for (std::size_t i = 1; i < accepted.size(); ++i) {
        intervals_s.push_back(std::chrono::duration<double>(accepted[i] - accepted[i - 1]).count());
    }
    std::ostringstream shown;
    for (const auto interval : intervals_s) shown << interval << " ";
    INFO("seconds between connections: " << shown.str());
    const std::vector<double> expected_s{0.5, 1.0, 2.0, 4.0};
    for (std::size_t i = 0; i < std::min(intervals_s.size(), expected_s.size()); ++i) {
        CAPTURE(i);
        CHECK(intervals_s[i] >= expected_s[i] * 0.9);
        CHECK(intervals_s[i] < expected_s[i] + 1.5);
    }

    const auto summary = summary_of(result.stdout_text);
    REQUIRE(summary.has_value());
    CAPTURE(*summary);
    REQUIRE(connections >= 1);
    CHECK(number_field(*summary, "reconnects") == std::optional<std::uint64_t>(connections - 1));
    CHECK(number_field(*summary, "frames") == std::optional<std::uint64_t>(0));
    // Each way of ending was seen and said.
    CHECK(result.stderr_text.find("exceeds the 16 MiB limit") != std::string::npos);
    CHECK(result.stderr_text.find("unknown message type 999") != std::string::npos);
    CHECK(result.stderr_text.find("goodbye") != std::string::npos);
}
