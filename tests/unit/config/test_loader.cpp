// Configuration: defaults, strict validation with file:line:column, overrides,
// and the duration/size/address grammars.
#include "config/config.hpp"
#include "config/did_you_mean.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
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

namespace {

// "ORIGIN:LINE:COLUMN: message", with LINE and COLUMN numbers.
bool is_located(const std::string& error, const std::string& origin) {
    if (error.rfind(origin + ":", 0) != 0) return false;
    std::size_t at = origin.size() + 1;
    for (int field = 0; field < 2; ++field) {
        const auto digits_start = at;
        while (at < error.size() && std::isdigit(static_cast<unsigned char>(error[at]))) ++at;
        if (at == digits_start || at >= error.size() || error[at] != ':') return false;
        ++at;
    }
    return error.compare(at, 1, " ") == 0;
}

bool has_control_character(const std::string& text) {
    return std::any_of(text.begin(), text.end(), [](char c) {
        const auto byte = static_cast<unsigned char>(c);
        return byte < 0x20 || byte == 0x7F;
    });
}

}  // namespace

TEST_CASE("config: a configuration that is not a map is rejected at its line and column") {
    const auto only_error = [](const std::string& yaml) {
        const auto result = parse_config(yaml, "cam.yaml", {});
        REQUIRE(result.errors.size() == 1);
        return result.errors[0];
    };
    CHECK(only_error("42") == "cam.yaml:1:1: the configuration must be a map of sections, not a single value");
    CHECK(only_error("- a\n- b\n") == "cam.yaml:1:1: the configuration must be a map of sections, not a list");
    CHECK(only_error("\n\n  source\n") ==
          "cam.yaml:3:3: the configuration must be a map of sections, not a single value");
    CHECK(only_error("# a comment\n[source, server]\n") ==
          "cam.yaml:2:1: the configuration must be a map of sections, not a list");
    // A single control byte, whatever YAML makes of it.
    for (const auto byte : {'\x01', '\x1b', '\x7f', '\0'}) {
        const auto error = only_error(std::string(1, byte));
        INFO(printable(error));
        CHECK(is_located(error, "cam.yaml"));
        CHECK_FALSE(has_control_character(error));
    }
}

TEST_CASE("config: every error of a bad file names FILE:LINE:COLUMN") {
    const std::vector<std::string> bad_files = {
        "42",
        "- a",
        std::string(1, '\x01'),
        std::string(1, '\0'),
        "source: [1, 2\n",
        "source:\n  fps: \"unterminated\n",
        "source: 5\n",
        "source:\n  - fps\n",
        "source:\n  fps: [1]\n",
        "source:\n  fps: fast\n  widht: 1\n",
        "sorce:\n  fps: 1\n",
        "server:\n  listen: \"127.0.0.1\\0::10050\"\n",
        "log:\n  level: \"info\\e[2J\"\n",
        "\"a\\x01b\": 1\n",
        "source:\n  \"f\\tps\": 1\n",
    };
    for (const auto& yaml : bad_files) {
        const auto result = parse_config(yaml, "cam.yaml", {});
        INFO(printable(yaml) << "\n" << printable(all_errors(result)));
        CHECK_FALSE(result.ok());
        for (const auto& error : result.errors) {
            CHECK(is_located(error, "cam.yaml"));
            CHECK_FALSE(has_control_character(error));
        }
    }
}

TEST_CASE("config: a NUL in server.listen or source.uri is rejected at the value's position") {
    // YAML's "\0" is a NUL: "127.0.0.1\0::10050" once checked as loopback.
    const auto listen = parse_config("server:\n  listen: \"127.0.0.1\\0::10050\"\n", "cam.yaml", {});
    REQUIRE(listen.errors.size() == 1);
    CHECK(listen.errors[0] == "cam.yaml:2:11: 'server.listen' contains the control character \\x00 (character 10 of "
                              "the value); no setting may contain control characters");

    const auto uri = parse_config("source:\n  uri: \"file:\\0/etc/shadow\"\n", "cam.yaml", {});
    REQUIRE(uri.errors.size() == 1);
    CHECK(uri.errors[0] == "cam.yaml:2:8: 'source.uri' contains the control character \\x00 (character 6 of the "
                           "value); no setting may contain control characters");
}

TEST_CASE("config: no setting accepts a control character, and the message shows it escaped") {
    // Every key, each control character class: NUL, tab, newline, escape, DEL.
    for (const auto& row : config_keys()) {
        for (const auto* escaped : {"\\0", "\\t", "\\n", "\\e", "\\x7F"}) {
            const auto yaml = std::string(row.section) + ":\n  " + std::string(row.key) + ": \"" +
                              row.default_text() + escaped + "\"\n";
            const auto result = parse_config(yaml, "cam.yaml", {});
            INFO(yaml);
            REQUIRE(result.errors.size() == 1);
            CHECK(result.errors[0].rfind("cam.yaml:2:", 0) == 0);
            CHECK(result.errors[0].find("'" + row.path() + "' contains the control character \\x") !=
                  std::string::npos);
            CHECK_FALSE(has_control_character(result.errors[0]));
        }
    }
    // Without them, the same values are fine.
    CHECK(parse_config("source:\n  uri: \"file:/srv/cam 2\"\n", "cam.yaml", {}).ok());
}

TEST_CASE("config: an unknown key with control characters is named with them escaped") {
    const auto result = parse_config("\"sou\\x1Brce\":\n  fps: 1\n", "cam.yaml", {});
    REQUIRE(result.errors.size() == 1);
    CHECK(result.errors[0].rfind("cam.yaml:1:1: unknown key 'sou\\x1Brce'", 0) == 0);
}

TEST_CASE("config: --set with a control character is rejected, naming the --set") {
    // A quoted --set value is read as YAML reads it, so "\0" is a NUL here too.
    const auto listen = parse_config("", "cam.yaml", {"server.listen=\"127.0.0.1\\0::10050\""});
    REQUIRE(listen.errors.size() == 1);
    CHECK(listen.errors[0] ==
          "--set server.listen=\"127.0.0.1\\0::10050\": 'server.listen' contains the control character \\x00 "
          "(character 10 of the value); no setting may contain control characters");

    const auto uri = parse_config("", "cam.yaml", {"source.uri=\"file:\\0/etc\""});
    REQUIRE(uri.errors.size() == 1);
    CHECK(uri.errors[0].rfind("--set source.uri=\"file:\\0/etc\": 'source.uri' contains the control character "
                              "\\x00 (character 6 of the value)",
                              0) == 0);

    // A raw control byte on the command line, echoed escaped.
    const auto raw = parse_config("", "cam.yaml", {"source.uri=file:/tmp/a\x01" "b"});
    REQUIRE(raw.errors.size() == 1);
    CHECK(raw.errors[0].rfind("--set source.uri=file:/tmp/a\\x01b: 'source.uri' contains the control character "
                              "\\x01 (character 12 of the value)",
                              0) == 0);
    const auto tab = parse_config("", "cam.yaml", {"log.level=info\t"});
    REQUIRE(tab.errors.size() == 1);
    CHECK(tab.errors[0].rfind("--set log.level=info\\x09: 'log.level' contains the control character \\x09", 0) == 0);
}

TEST_CASE("config: --set fills an empty section of the file") {
    for (const char* file : {"source:\n", "source: ~\n", "source: null\n", "source: {}\n"}) {
        INFO(file);
        REQUIRE(parse_config(file, "cam.yaml", {}).ok());
        const auto result = parse_config(file, "cam.yaml", {"source.fps=15", "source.width=640"});
        INFO(all_errors(result));
        REQUIRE(result.ok());
        CHECK(result.settings.source.fps == doctest::Approx(15.0));
        CHECK(result.settings.source.width == 640);
    }
    // A section that is a value or a list is the file's error, at its position.
    const auto scalar = parse_config("source: 5\n", "cam.yaml", {"source.fps=15"});
    REQUIRE(scalar.errors.size() == 1);
    CHECK(scalar.errors[0] == "cam.yaml:1:9: 'source' must be a map of settings");
    const auto list = parse_config("source:\n  - fps\n", "cam.yaml", {"source.fps=15"});
    REQUIRE(list.errors.size() == 1);
    CHECK(list.errors[0] == "cam.yaml:2:3: 'source' must be a map of settings");
    // A --set of a section the file lacks is named by the --set.
    const auto unknown = parse_config("source:\n", "cam.yaml", {"sorce.fps=15"});
    REQUIRE(unknown.errors.size() == 1);
    CHECK(unknown.errors[0].rfind("--set sorce.fps=15: unknown key 'sorce' (did you mean 'source'?)", 0) == 0);
}

TEST_CASE("config: a --set value is the text after '=', unless it is a quoted YAML scalar") {
    const auto value_of = [](const std::string& key, const std::string& text) {
        const auto result = parse_config("", "cam.yaml", {key + "=" + text});
        INFO(key << "=" << text << "\n" << all_errors(result));
        REQUIRE(result.ok());
        for (const auto& row : config_keys()) {
            if (row.path() == key) return row.format(result.settings);
        }
        FAIL("no key " << key);
        return std::string{};
    };
    // What YAML would read as a list or a map is the text itself.
    CHECK(value_of("server.listen", "[::1]:10050") == "[::1]:10050");
    CHECK(value_of("server.listen", "[::1]:0") == "[::1]:0");
    CHECK(value_of("source.uri", "file:{x}") == "file:{x}");
    CHECK(value_of("source.uri", "file:- a") == "file:- a");
    CHECK(value_of("source.uri", "file:a: b") == "file:a: b");
    CHECK(value_of("source.uri", "file:[a, b]") == "file:[a, b]");
    // Plain text YAML would shorten is kept whole: a " #" is no comment here.
    CHECK(value_of("source.uri", "file:/srv/cam #2") == "file:/srv/cam #2");
    CHECK(value_of("source.uri", "file:/srv/it's") == "file:/srv/it's");
    // Quoted, it reads as in the file: quotes off, escapes on.
    CHECK(value_of("server.listen", "'[::1]:0'") == "[::1]:0");
    CHECK(value_of("server.listen", "\"[::1]:0\"") == "[::1]:0");
    CHECK(value_of("source.uri", "'file:/srv/it''s'") == "file:/srv/it's");
    CHECK(value_of("source.uri", "\"file:/srv/\\u00e9t\\u00e9\"") == "file:/srv/\xc3\xa9t\xc3\xa9");
    CHECK(value_of("log.level", "'debug' # quoted, then a comment") == "debug");
    // Scalars as they always were.
    CHECK(value_of("source.fps", "12.5") == "12.5");
    CHECK(value_of("source.fps", " 15 ") == "15");
    CHECK(value_of("viewer.queue_bytes", "512KiB") == "512KiB");
    CHECK(value_of("server.hello_timeout", "1500ms") == "1500ms");
    CHECK(value_of("source.uri", "testpattern:hang-after=3s") == "testpattern:hang-after=3s");

    // Text that is no valid value fails on the key's grammar, never as a list or a map.
    const auto only_error = [](const std::string& item) {
        const auto result = parse_config("", "cam.yaml", {item});
        REQUIRE(result.errors.size() == 1);
        return result.errors[0];
    };
    CHECK(only_error("log.level={x}").rfind("--set log.level={x}: 'log.level' is '{x}'; expected one of:", 0) == 0);
    CHECK(only_error("log.level=- a").rfind("--set log.level=- a: 'log.level' is '- a'; expected one of:", 0) == 0);
    CHECK(only_error("log.level=a: b").rfind("--set log.level=a: b: 'log.level' is 'a: b'; expected", 0) == 0);
    CHECK(only_error("source.fps=[1]") == "--set source.fps=[1]: 'source.fps' must be a number, got '[1]'");
    CHECK(only_error("server.listen='[::1]:0") ==
          "--set server.listen='[::1]:0: 'server.listen' is ''[::1]:0'; expected HOST:PORT such as 0.0.0.0:10050 "
          "or [::1]:10050");
    CHECK(only_error("source.uri=") == "--set source.uri=: 'source.uri' must not be empty");
    CHECK(only_error("source.uri=~").rfind("--set source.uri=~: 'source.uri' is '~'; expected", 0) == 0);
    CHECK(only_error("source.fps=12.5 # fast") == "--set source.fps=12.5 # fast: 'source.fps' must be a number, "
                                                  "got '12.5 # fast'");
}

TEST_CASE("config: a second YAML document is refused where it starts, not silently dropped") {
    const auto second = parse_config("source:\n  fps: 5\n---\nsource:\n  fps: 20\n", "two.yaml", {});
    REQUIRE(second.errors.size() == 1);
    INFO(second.errors[0]);
    CHECK(second.errors[0].rfind("two.yaml:3:1: a second YAML document starts here", 0) == 0);
    // An empty one after a trailing '---' too: it is still a second document.
    CHECK_FALSE(parse_config("source:\n  fps: 5\n---\n", "two.yaml", {}).ok());
    // One document with its optional markers is fine.
    CHECK(parse_config("---\nsource:\n  fps: 5\n...\n", "one.yaml", {}).ok());
    CHECK(parse_config("", "empty.yaml", {}).ok());
    // Text on which YAML::LoadAll never ends, repeating an empty document (found
    // by the config fuzz harness): an error, at once.
    const auto garbage = parse_config(std::string(", source\nder\n\x01\0\0\0", 17), "fuzz.yaml", {});
    CHECK_FALSE(garbage.ok());
}

TEST_CASE("config: a boolean is true or false, and nothing YAML 1.1 also took") {
    const auto off = parse_config("http:\n  enabled: false\n", "cam.yaml", {});
    REQUIRE(off.ok());
    CHECK_FALSE(off.settings.http.enabled);
    CHECK(parse_config("", "cam.yaml", {"http.enabled=true"}).settings.http.enabled);

    const auto yes = parse_config("http:\n  enabled: yes\n", "cam.yaml", {});
    REQUIRE_FALSE(yes.ok());
    CHECK(yes.errors.front().find("cam.yaml:2:12") != std::string::npos);
    CHECK(yes.errors.front().find("'http.enabled' must be true or false, got 'yes'") != std::string::npos);
}
