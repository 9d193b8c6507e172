// Integration: the fake V4L2 camera (tests/fake_v4l2) is a device that Debian's
// own v4l2-ctl cannot tell from a driver: it reads the card, lists exactly the
// described formats, streams the described bytes over mmap buffers, grants
// another size when told to, hangs when stalled and fails when unplugged.
// These tests prove the fake, so the daemon's capture tests can trust it.
#include "support/child_process.hpp"
#include "support/fake_camera.hpp"

#include <doctest/doctest.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <cstdint>
#include <fstream>
#include <stdexcept>

using namespace camstream::test;
using namespace std::chrono_literals;

namespace {

constexpr const char* kV4l2Ctl = "/usr/bin/v4l2-ctl";

// v4l2-ctl is the build machine's program: it cannot load the fake camera
// built for an emulated architecture (the daemon's own capture tests can).
constexpr const char* kEmulated = "v4l2-ctl cannot preload a fake camera built for another architecture";

bool have_v4l2_ctl() { return std::filesystem::exists(kV4l2Ctl); }

ProcessResult v4l2_ctl(const FakeCamera& camera, const std::vector<std::string>& arguments,
                       const std::filesystem::path& device = {}) {
    std::vector<std::string> argv{kV4l2Ctl, "-d", device.empty() ? camera.path().string() : device.string()};
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    return run_process(argv, 10s, camera.env());
}

// `count` different JPEGs (different sizes too) in <root>/frames; returns their bytes in name order.
std::vector<std::string> make_jpegs(const FakeCamera& camera, int count) {
    const auto folder = camera.root() / "frames";
    std::filesystem::create_directories(folder);
    std::vector<std::string> files;
    for (int index = 0; index < count; ++index) {
        cv::Mat image(120, 160, CV_8UC3);
        cv::randu(image, cv::Scalar::all(0), cv::Scalar::all(64 * (index + 1)));
        std::vector<std::uint8_t> bytes;
        if (!cv::imencode(".jpg", image, bytes)) throw std::runtime_error("cannot encode a JPEG");
        const auto path = folder / ("frame-" + std::to_string(index) + ".jpg");
        std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                                    static_cast<std::streamsize>(bytes.size()));
        files.emplace_back(bytes.begin(), bytes.end());
    }
    return files;
}

std::vector<std::string> stream_arguments(const std::string& size, const std::string& format, int count,
                                          const std::filesystem::path& output) {
    const auto cross = size.find('x');
    return {"--set-fmt-video=width=" + size.substr(0, cross) + ",height=" + size.substr(cross + 1) +
                ",pixelformat=" + format,
            "--stream-mmap", "--stream-count=" + std::to_string(count), "--stream-to=" + output.string()};
}

// 0 while the file does not exist yet.
std::uintmax_t size_of(const std::filesystem::path& path) {
    std::error_code error;
    const auto size = std::filesystem::file_size(path, error);
    return error ? 0 : size;
}

std::string trimmed(const std::string& line) {
    const auto first = line.find_first_not_of(" \t");
    return first == std::string::npos ? std::string{} : line.substr(first);
}

}  // namespace

TEST_CASE("fake v4l2: v4l2-ctl --all sees a capture device with the described card, also through a symlink") {
    skip_if_emulated(kEmulated);
    if (!have_v4l2_ctl()) {
        MESSAGE("v4l2-ctl is not installed (package v4l-utils); skipped");
        return;
    }
    FakeCamera camera({{"card", "Porch Camera"}, {"bus", "usb-0000:00:14.0-3"}});
    const auto by_id = camera.root() / "by-id";
    std::filesystem::create_directories(by_id);
    std::filesystem::create_symlink("../dev/video0", by_id / "usb-Fake-video-index0");

    for (const auto& device : {camera.path(), by_id / "usb-Fake-video-index0"}) {
        const auto result = v4l2_ctl(camera, {"--all"}, device);
        INFO(device << "\nstdout:\n" << result.stdout_text << "\nstderr:\n" << result.stderr_text);
        CHECK(result.status.exited_with(0));
        CHECK(result.stdout_text.find("Card type        : Porch Camera") != std::string::npos);
        CHECK(result.stdout_text.find("Bus info         : usb-0000:00:14.0-3") != std::string::npos);
        CHECK(result.stdout_text.find("Video Capture") != std::string::npos);
        CHECK(result.stdout_text.find("Streaming") != std::string::npos);
    }
}

TEST_CASE("fake v4l2: --list-formats-ext lists exactly the described formats, sizes and intervals") {
    skip_if_emulated(kEmulated);
    if (!have_v4l2_ctl()) {
        MESSAGE("v4l2-ctl is not installed (package v4l-utils); skipped");
        return;
    }
    FakeCamera camera({{"formats", "MJPG,YUYV"}, {"sizes", "640x480,320x240"}, {"fps", "30,15"}});
    const auto result = v4l2_ctl(camera, {"--list-formats-ext"});
    INFO("stdout:\n" << result.stdout_text << "\nstderr:\n" << result.stderr_text);
    REQUIRE(result.status.exited_with(0));
    std::vector<std::string> listed;
    for (const auto& line : result.stdout_lines()) {
        const auto text = trimmed(line);
        if (text.starts_with("[") || text.starts_with("Size:") || text.starts_with("Interval:")) listed.push_back(text);
    }
    const std::vector<std::string> intervals{"Interval: Discrete 0.033s (30.000 fps)",
                                             "Interval: Discrete 0.067s (15.000 fps)"};
    std::vector<std::string> expected;
    for (const auto* format : {"[0]: 'MJPG' (Motion-JPEG, compressed)", "[1]: 'YUYV' (YUYV 4:2:2)"}) {
        expected.emplace_back(format);
        for (const auto* size : {"Size: Discrete 640x480", "Size: Discrete 320x240"}) {
            expected.emplace_back(size);
            expected.insert(expected.end(), intervals.begin(), intervals.end());
        }
    }
    CHECK(listed == expected);
}

TEST_CASE("fake v4l2: MJPG streaming serves the JPEG files byte for byte, in name order, looped") {
    skip_if_emulated(kEmulated);
    if (!have_v4l2_ctl()) {
        MESSAGE("v4l2-ctl is not installed (package v4l-utils); skipped");
        return;
    }
    FakeCamera camera({{"formats", "MJPG"}, {"sizes", "160x120"}, {"fps", "30"}});
    const auto jpegs = make_jpegs(camera, 3);
    camera.set("frames", (camera.root() / "frames").string());
    const auto output = camera.root() / "stream.mjpg";
    const auto result = v4l2_ctl(camera, stream_arguments("160x120", "MJPG", 10, output));
    INFO("stdout:\n" << result.stdout_text << "\nstderr:\n" << result.stderr_text);
    REQUIRE(result.status.exited_with(0));
    std::string expected;
    for (int frame = 0; frame < 10; ++frame) expected += jpegs[static_cast<std::size_t>(frame) % jpegs.size()];
    const auto streamed = read_file(output);
    CHECK(streamed.size() == expected.size());
    CHECK(streamed == expected);
    CHECK(result.seconds < 5);
}

TEST_CASE("fake v4l2: corrupt_every=K cuts every K-th delivered frame to half its length") {
    skip_if_emulated(kEmulated);
    if (!have_v4l2_ctl()) {
        MESSAGE("v4l2-ctl is not installed (package v4l-utils); skipped");
        return;
    }
    FakeCamera camera({{"formats", "MJPG"}, {"sizes", "160x120"}, {"fps", "30"}, {"corrupt_every", "3"}});
    const auto jpegs = make_jpegs(camera, 2);
    camera.set("frames", (camera.root() / "frames").string());
    const auto output = camera.root() / "stream.mjpg";
    const auto result = v4l2_ctl(camera, stream_arguments("160x120", "MJPG", 7, output));
    INFO("stdout:\n" << result.stdout_text << "\nstderr:\n" << result.stderr_text);
    REQUIRE(result.status.exited_with(0));
    std::string expected;
    for (int frame = 1; frame <= 7; ++frame) {
        const auto& jpeg = jpegs[static_cast<std::size_t>(frame - 1) % jpegs.size()];
        expected += frame % 3 == 0 ? jpeg.substr(0, jpeg.size() / 2) : jpeg;
    }
    CHECK(read_file(output) == expected);
}

TEST_CASE("fake v4l2: YUYV streaming gives width*height*2 bytes per frame of a moving pattern") {
    skip_if_emulated(kEmulated);
    if (!have_v4l2_ctl()) {
        MESSAGE("v4l2-ctl is not installed (package v4l-utils); skipped");
        return;
    }
    constexpr std::size_t kWidth = 320;
    constexpr std::size_t kHeight = 240;
    constexpr std::size_t kFrameBytes = kWidth * kHeight * 2;
    FakeCamera camera({{"formats", "MJPG,YUYV"}, {"sizes", "640x480,320x240"}, {"fps", "30"}});
    const auto output = camera.root() / "stream.yuyv";
    const auto result = v4l2_ctl(camera, stream_arguments("320x240", "YUYV", 10, output));
    INFO("stdout:\n" << result.stdout_text << "\nstderr:\n" << result.stderr_text);
    REQUIRE(result.status.exited_with(0));
    const auto streamed = read_file(output);
    REQUIRE(streamed.size() == 10 * kFrameBytes);
    // Luma is (x + y + frame) & 0xFF, so frame n shows n at the top-left pixel.
    for (std::size_t frame = 0; frame < 10; ++frame) {
        const auto* bytes = reinterpret_cast<const std::uint8_t*>(streamed.data()) + frame * kFrameBytes;
        CHECK(bytes[0] == frame);
        CHECK(bytes[(10 * kWidth + 6) * 2] == ((16 + frame) & 0xFF));
    }
    CHECK(streamed.substr(0, kFrameBytes) != streamed.substr(kFrameBytes, kFrameBytes));
}

TEST_CASE("fake v4l2: grant=WxH makes the device grant another size than the one asked") {
    skip_if_emulated(kEmulated);
    if (!have_v4l2_ctl()) {
        MESSAGE("v4l2-ctl is not installed (package v4l-utils); skipped");
        return;
    }
    FakeCamera camera({{"formats", "YUYV"}, {"sizes", "640x480"}, {"grant", "352x288"}});
    const auto result =
        v4l2_ctl(camera, {"--set-fmt-video=width=640,height=480,pixelformat=YUYV", "--get-fmt-video"});
    INFO("stdout:\n" << result.stdout_text << "\nstderr:\n" << result.stderr_text);
    REQUIRE(result.status.exited_with(0));
    CHECK(result.stdout_text.find("Width/Height      : 352/288") != std::string::npos);
    CHECK(result.stdout_text.find("Bytes per Line    : 704") != std::string::npos);

    camera.set("grant", "");
    const auto nearest = v4l2_ctl(camera, {"--set-fmt-video=width=600,height=400", "--get-fmt-video"});
    CHECK(nearest.stdout_text.find("Width/Height      : 640/480") != std::string::npos);
}

TEST_CASE("fake v4l2: stall=1 hangs the stream until it is cleared") {
    skip_if_emulated(kEmulated);
    if (!have_v4l2_ctl()) {
        MESSAGE("v4l2-ctl is not installed (package v4l-utils); skipped");
        return;
    }
    FakeCamera camera({{"formats", "YUYV"}, {"sizes", "160x120"}, {"fps", "30"}, {"stall", "1"}});
    const auto output = camera.root() / "stream.yuyv";
    const auto log = camera.root() / "v4l2-ctl.log";
    std::vector<std::string> argv{kV4l2Ctl, "-d", camera.path().string()};
    for (const auto& argument : stream_arguments("160x120", "YUYV", 3, output)) argv.push_back(argument);
    ChildProcess child(argv, log, log, camera.env());
    std::this_thread::sleep_for(500ms);
    INFO("v4l2-ctl:\n" << read_file(log));
    CHECK(child.running());
    CHECK(size_of(output) == 0);
    camera.set("stall", "0");
    const auto status = child.wait_for_exit(5s);
    REQUIRE(status);
    CHECK(status->exited_with(0));
    CHECK(size_of(output) == 3 * 160 * 120 * 2);
}

TEST_CASE("fake v4l2: unplugging while streaming fails the stream with ENODEV instead of hanging") {
    skip_if_emulated(kEmulated);
    if (!have_v4l2_ctl()) {
        MESSAGE("v4l2-ctl is not installed (package v4l-utils); skipped");
        return;
    }
    FakeCamera camera({{"formats", "YUYV"}, {"sizes", "160x120"}, {"fps", "30"}});
    const auto output = camera.root() / "stream.yuyv";
    const auto log = camera.root() / "v4l2-ctl.log";
    std::vector<std::string> argv{kV4l2Ctl, "-d", camera.path().string()};
    for (const auto& argument : stream_arguments("160x120", "YUYV", 100000, output)) argv.push_back(argument);
    ChildProcess child(argv, log, log, camera.env());
    REQUIRE(wait_until([&] { return size_of(output) >= 3 * 160 * 120 * 2; }, 5s));
    camera.unplug();
    const auto status = child.wait_for_exit(5s);
    INFO("v4l2-ctl:\n" << read_file(log));
    REQUIRE(status);  // it ended by itself: the blocked DQBUF woke up with the error
    CHECK_FALSE(status->needed_kill);
    CHECK(read_file(log).find("VIDIOC_DQBUF: failed: No such device") != std::string::npos);

    // Opening fails while the camera is away; plugged back in, a new open works.
    CHECK_FALSE(v4l2_ctl(camera, {"--all"}).status.exited_with(0));
    camera.plug();
    CHECK(v4l2_ctl(camera, {"--all"}).status.exited_with(0));
}
