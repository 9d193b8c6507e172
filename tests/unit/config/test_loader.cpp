// Configuration: defaults, strict validation with file:line:column, overrides,
// and the duration/size/address grammars.
#include "config/config.hpp"

#include <doctest/doctest.h>

#include <fstream>

using namespace camstream;
using namespace std::chrono_literals;

namespace {

std::string all_errors(const ConfigResult& result) {
    std::string text;
    for (const auto& error : result.errors) text += error + "\n";
    return text;
}

}  // namespace

TEST_CASE("config: an empty file gives the documented defaults") {
    const auto result = parse_config("", "empty.yaml", {});
    REQUIRE(result.ok());
    CHECK(result.settings.source.uri == "testpattern");
    CHECK(result.settings.source.width == 1280);
    CHECK(result.settings.server.listen == "0.0.0.0:10050");
    CHECK(result.settings.viewer.queue_frames == 2);
    CHECK(result.settings.viewer.stall_timeout == 10s);
}

TEST_CASE("config: the shipped example and demo files are valid") {
    for (const char* name : {"/config/camstreamd.yaml", "/config/demo.yaml"}) {
        const auto result = load_config_file(std::string(CAMSTREAM_SOURCE_DIR) + name, {});
        INFO(all_errors(result));
        CHECK(result.ok());
    }
}

TEST_CASE("config: values are read with their units") {
    const auto result = parse_config(
        "source:\n  uri: file:/tmp/clip.mp4\n  fps: 12.5\nviewer:\n  queue_bytes: 512KiB\n"
        "  stall_timeout: 1500ms\nserver:\n  listen: '[::1]:0'\n",
        "units.yaml", {});
    REQUIRE(result.ok());
    CHECK(result.settings.source.uri == "file:/tmp/clip.mp4");
    CHECK(result.settings.source.fps == doctest::Approx(12.5));
    CHECK(result.settings.viewer.queue_bytes == 512 * 1024);
    CHECK(result.settings.viewer.stall_timeout == 1500ms);
    CHECK(result.settings.server.listen == "[::1]:0");
}

TEST_CASE("config: an unknown key names file, line, column and the likely key") {
    const auto result = parse_config("source:\n  fps: 10\n  widht: 640\n", "cam.yaml", {});
    REQUIRE(result.errors.size() == 1);
    CHECK(result.errors[0].rfind("cam.yaml:3:3: unknown key 'source.widht'", 0) == 0);
    CHECK(result.errors[0].find("did you mean 'width'?") != std::string::npos);
}

TEST_CASE("config: an unknown section is an error too") {
    const auto result = parse_config("sever:\n  listen: 0.0.0.0:1\n", "cam.yaml", {});
    REQUIRE(result.errors.size() == 1);
    CHECK(result.errors[0].rfind("cam.yaml:1:1: unknown key 'sever' (did you mean 'server'?)", 0) == 0);
}

TEST_CASE("config: a wrong type names the value's position") {
    const auto result = parse_config("source:\n  width: wide\n", "cam.yaml", {});
    REQUIRE(result.errors.size() == 1);
    CHECK(result.errors[0] == "cam.yaml:2:10: 'source.width' must be an integer, got 'wide'");
}

TEST_CASE("config: out-of-range values are rejected with the range") {
    const auto result = parse_config("encoder:\n  jpeg_quality: 101\nviewer:\n  queue_frames: 0\n",
                                     "cam.yaml", {});
    REQUIRE(result.errors.size() == 2);
    CHECK(result.errors[0] == "cam.yaml:2:17: 'encoder.jpeg_quality' is 101, must be between 1 and 100");
    CHECK(result.errors[1].rfind("cam.yaml:4:17: 'viewer.queue_frames' is 0", 0) == 0);
}

TEST_CASE("config: bad addresses, durations and sources are errors") {
    const auto result = parse_config(
        "server:\n  listen: camera.local\n  hello_timeout: soon\nsource:\n  uri: webcam\n", "cam.yaml", {});
    const auto text = all_errors(result);
    CHECK(result.errors.size() == 3);
    CHECK(text.find("cam.yaml:2:11: 'server.listen'") != std::string::npos);
    CHECK(text.find("cam.yaml:3:18: 'server.hello_timeout' must be a duration") != std::string::npos);
    CHECK(text.find("cam.yaml:5:8: 'source.uri' is 'webcam'") != std::string::npos);
}

TEST_CASE("config: a YAML syntax error names its position") {
    const auto result = parse_config("source:\n  fps: [1, 2\n", "cam.yaml", {});
    REQUIRE(result.errors.size() == 1);
    CHECK(result.errors[0].rfind("cam.yaml:", 0) == 0);
}

TEST_CASE("config: --set overrides the file and its errors name the --set") {
    const auto good = parse_config("source:\n  fps: 30\n", "cam.yaml",
                                   {"source.fps=5", "server.listen=127.0.0.1:0"});
    REQUIRE(good.ok());
    CHECK(good.settings.source.fps == doctest::Approx(5.0));
    CHECK(good.settings.server.listen == "127.0.0.1:0");

    const auto bad = parse_config("", "cam.yaml", {"source.fps=fast", "source.fsp=3", "nodot=1"});
    const auto text = all_errors(bad);
    CHECK(bad.errors.size() == 3);
    CHECK(text.find("--set source.fps=fast: 'source.fps' must be a number") != std::string::npos);
    CHECK(text.find("--set source.fsp=3: unknown key 'source.fsp' (did you mean 'fps'?)") != std::string::npos);
    CHECK(text.find("--set nodot=1: expected section.key=value") != std::string::npos);
}

TEST_CASE("config: a missing file is a clear error") {
    const auto result = load_config_file("/nonexistent/camstreamd.yaml", {});
    REQUIRE(result.errors.size() == 1);
    CHECK(result.errors[0] == "/nonexistent/camstreamd.yaml: cannot read the configuration file");
}

TEST_CASE("config: the effective configuration round-trips through to_yaml") {
    const auto first = parse_config("viewer:\n  queue_bytes: 3MiB\n  stall_timeout: 250ms\n", "a.yaml", {});
    REQUIRE(first.ok());
    const auto second = parse_config(to_yaml(first.settings), "b.yaml", {});
    REQUIRE(second.ok());
    CHECK(second.settings.viewer.queue_bytes == 3u << 20);
    CHECK(second.settings.viewer.stall_timeout == 250ms);
    CHECK(to_yaml(second.settings) == to_yaml(first.settings));
}

TEST_CASE("grammar: durations, sizes and listen addresses") {
    CHECK(parse_duration("500ms") == 500ms);
    CHECK(parse_duration("10s") == 10s);
    CHECK(parse_duration("1.5s") == 1500ms);
    CHECK(parse_duration("2m") == 120s);
    CHECK_FALSE(parse_duration("10"));
    CHECK_FALSE(parse_duration("-1s"));
    CHECK_FALSE(parse_duration("s"));
    CHECK(parse_byte_size("4096") == 4096u);
    CHECK(parse_byte_size("4MiB") == 4u << 20);
    CHECK(parse_byte_size("1GiB") == 1u << 30);
    CHECK_FALSE(parse_byte_size("4 parsecs"));
    CHECK(parse_listen_address("0.0.0.0:10050")->port == 10050);
    CHECK(parse_listen_address("[::1]:0")->host == "::1");
    CHECK_FALSE(parse_listen_address("::1:80"));
    CHECK_FALSE(parse_listen_address("127.0.0.1:65536"));
    CHECK_FALSE(parse_listen_address("localhost:80"));
}

TEST_CASE("config: --set fills a section the file leaves empty") {
    const auto result = parse_config("source:\n  # every key commented out\n", "empty-section.yaml", {"source.fps=15"});
    INFO(all_errors(result));
    REQUIRE(result.ok());
    CHECK(result.settings.source.fps == doctest::Approx(15));
}

TEST_CASE("config: a port must be written as digits") {
    const auto result = parse_config("server:\n  listen: '0.0.0.0:-0'\n", "port.yaml", {});
    REQUIRE(result.errors.size() == 1);
    CHECK(result.errors[0].rfind("port.yaml:2:11: ", 0) == 0);
}

TEST_CASE("config: anchors and aliases are refused at their position, so an override cannot change two settings") {
    const auto shared_value = parse_config("source: {fps: &f 5}\nencoder: {jpeg_quality: *f}\n", "alias.yaml",
                                           {"source.fps=15"});
    REQUIRE(shared_value.errors.size() == 1);
    CHECK(shared_value.errors[0].rfind("alias.yaml:2:", 0) == 0);
    CHECK(shared_value.errors[0].find("anchor and alias") != std::string::npos);
    const auto shared_section = parse_config("server: &e {}\nlog: *e\n", "alias.yaml", {"log.level=debug"});
    REQUIRE(shared_section.errors.size() == 1);
    CHECK(shared_section.errors[0].find("'log' and 'server' are one node") != std::string::npos);
}

TEST_CASE("config: text that is not UTF-8 is refused with its line and column") {
    const auto result = parse_config("source:\n  uri: \"file:/srv/cam\xe9ra.mp4\"\n", "latin1.yaml", {});
    REQUIRE(result.errors.size() == 1);
    CHECK(result.errors[0] == "latin1.yaml:2:22: the configuration must be UTF-8 text");
    const auto valid = parse_config("source:\n  uri: \"file:/srv/caméra.mp4\"\n", "utf8.yaml", {});
    CHECK(valid.ok());
}

TEST_CASE("config: a section or key given twice is refused where it is repeated") {
    const auto section = parse_config("source:\n  fps: 10\nsource:\n  fps: 20\n", "twice.yaml", {});
    REQUIRE(section.errors.size() == 1);
    CHECK(section.errors[0] == "twice.yaml:3:1: 'source' is given twice (first at line 1)");
    const auto key = parse_config("encoder: {jpeg_quality: 5, jpeg_quality: 6}\n", "twice.yaml", {});
    REQUIRE(key.errors.size() == 1);
    CHECK(key.errors[0].find("'encoder.jpeg_quality' is given twice") != std::string::npos);
}
