// source.uri's grammar (capture/source_uri.hpp): the forms it accepts, and the
// errors that tell the user which forms exist.
#include "capture/source_uri.hpp"
#include "config/config.hpp"

#include <doctest/doctest.h>

using namespace camstream;
using namespace std::chrono_literals;

TEST_CASE("config: parse_source_uri accepts testpattern, testpattern:hang-after=DURATION and file:PATH") {
    std::string error;
    const auto pattern = parse_source_uri("testpattern", error);
    REQUIRE(pattern);
    CHECK(pattern->kind == SourceUri::Kind::test_pattern);
    CHECK_FALSE(pattern->hang_after);

    const auto hanging = parse_source_uri("testpattern:hang-after=3s", error);
    REQUIRE(hanging);
    CHECK(hanging->kind == SourceUri::Kind::test_pattern);
    CHECK(hanging->hang_after == 3s);
    CHECK(parse_source_uri("testpattern:hang-after=1500ms", error)->hang_after == 1500ms);

    const auto file = parse_source_uri("file:/srv/clips/door.mp4", error);
    REQUIRE(file);
    CHECK(file->kind == SourceUri::Kind::file);
    CHECK(file->path == "/srv/clips/door.mp4");
    // Everything after the first ':' is the path, colons included.
    CHECK(parse_source_uri("file:clips/a:b", error)->path == "clips/a:b");
}

TEST_CASE("config: parse_source_uri rejects anything else, naming the forms it expects") {
    const auto rejected = [](std::string_view uri) {
        std::string error;
        const auto parsed = parse_source_uri(uri, error);
        CHECK_MESSAGE(!parsed, uri << " was accepted");
        return error;
    };
    const std::string every_form = "expected 'testpattern', 'testpattern:hang-after=DURATION', 'file:PATH', "
                                   "'v4l2:DEVICE' or 'gstreamer:PIPELINE'";
    CHECK(rejected("webcam") == every_form);
    CHECK(rejected("") == every_form);
    CHECK(rejected("TESTPATTERN") == every_form);
    CHECK(rejected("/dev/video0") == every_form);
    CHECK(rejected("testpattern:") == "expected 'testpattern' or 'testpattern:hang-after=DURATION'");
    CHECK(rejected("testpattern:fast") == "expected 'testpattern' or 'testpattern:hang-after=DURATION'");
    CHECK(rejected("testpattern:hang-after=soon").find("expected 'testpattern:hang-after=DURATION'") == 0);
    CHECK(rejected("testpattern:hang-after=").find("expected 'testpattern:hang-after=DURATION'") == 0);
    CHECK(rejected("file:").find("expected 'file:PATH'") == 0);
    CHECK(rejected("file").find("expected 'file:PATH'") == 0);
    CHECK(rejected("v4l2:").find("expected 'v4l2:DEVICE'") == 0);
    CHECK(rejected("v4l2:video0").find("expected 'v4l2:DEVICE' with an absolute device path") == 0);
    CHECK(rejected("gstreamer:").find("expected 'gstreamer:PIPELINE'") == 0);
    CHECK(rejected("gstreamer:   ").find("expected 'gstreamer:PIPELINE'") == 0);
}

TEST_CASE("source uri: v4l2:DEVICE and gstreamer:PIPELINE") {
    std::string error;
    const auto camera = parse_source_uri("v4l2:/dev/v4l/by-id/usb-Cam_123-video-index0", error);
    REQUIRE(camera);
    CHECK(camera->kind == SourceUri::Kind::v4l2);
    CHECK(camera->path == "/dev/v4l/by-id/usb-Cam_123-video-index0");
    const auto pipeline = parse_source_uri("gstreamer:libcamerasrc ! video/x-raw,width=1280,height=720", error);
    REQUIRE(pipeline);
    CHECK(pipeline->kind == SourceUri::Kind::gstreamer);
    CHECK(pipeline->path == "libcamerasrc ! video/x-raw,width=1280,height=720");
}

TEST_CASE("config: a bad source.uri is an error at its position, saying what was expected") {
    const auto result = parse_config("source:\n  uri: webcam\n  fps: 10\n", "cam.yaml", {"log.level=warn"});
    REQUIRE(result.errors.size() == 1);
    CHECK(result.errors[0] == "cam.yaml:2:8: 'source.uri' is 'webcam'; expected 'testpattern', "
                              "'testpattern:hang-after=DURATION', 'file:PATH', 'v4l2:DEVICE' or "
                              "'gstreamer:PIPELINE'");

    const auto hang = parse_config("", "cam.yaml", {"source.uri=testpattern:hang-after=soon"});
    REQUIRE(hang.errors.size() == 1);
    CHECK(hang.errors[0].rfind("--set source.uri=testpattern:hang-after=soon: 'source.uri' is "
                               "'testpattern:hang-after=soon'; expected 'testpattern:hang-after=DURATION'",
                               0) == 0);

    CHECK(parse_config("source:\n  uri: testpattern:hang-after=3s\n", "cam.yaml", {}).ok());
}

TEST_CASE("source uri: parse_source_uri refuses control characters, so a NUL cannot cut a path short") {
    std::string error;
    CHECK_FALSE(parse_source_uri(std::string_view("file:/srv/cam\0/../../etc", 24), error));
    CHECK(error == "expected no control characters in a source URI");
    error.clear();
    CHECK_FALSE(parse_source_uri("testpattern:hang-after=3s\n", error));
    CHECK(error == "expected no control characters in a source URI");
    CHECK_FALSE(parse_source_uri("file:/srv/\x1b[2Jcam", error));
    CHECK(parse_source_uri("file:/srv/cam 2", error));
}

TEST_CASE("source uri: a NUL in source.uri is refused in the file and in --set, at its origin") {
    const auto file = parse_config("source:\n  uri: \"file:/srv/cam\\0/etc\"\n", "cam.yaml", {});
    REQUIRE(file.errors.size() == 1);
    CHECK(file.errors[0] == "cam.yaml:2:8: 'source.uri' contains the control character \\x00 (character 14 of the "
                            "value); no setting may contain control characters");
    const auto set = parse_config("", "cam.yaml", {"source.uri='file:/srv/cam\t'"});
    REQUIRE(set.errors.size() == 1);
    CHECK(set.errors[0].rfind("--set source.uri='file:/srv/cam\\x09': 'source.uri' contains the control character "
                              "\\x09 (character 14 of the value)",
                              0) == 0);
}
