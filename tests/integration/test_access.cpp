// Integration: access control (access.mode "tokens", docs/ACCESS.md), driven as
// operators and viewers meet it: tokens minted with `camstreamd token add`,
// and one tokens file written by hand with a hash computed by openssl, so the
// file format is the documented one; every refusal over TCP (ServerHello
// reason 4 and its text) and HTTP (401, 429); a token's max_streams and
// max_fps; failed attempts from one address rate-limited while another
// address streams at full rate; a token revoked by SIGHUP (removed, replaced
// under its name, or the mode switched from open) ending its live viewers; a
// broken tokens file refused at start and on reload; and the token itself
// never written to the log.
#include "support/access_client.hpp"
#include "support/camview_process.hpp"
#include "support/daemon_process.hpp"
#include "support/http_client.hpp"
#include "support/viewer_group.hpp"

#include <doctest/doctest.h>

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <thread>

using namespace camstream;
using namespace camstream::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

constexpr int kFps = 20;
const std::string kDemoConfig = std::string(CAMSTREAM_SOURCE_DIR) + "/config/demo.yaml";

bool contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }
bool starts_with(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

std::string lowercase(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

bool is_base64url(std::string_view text) {
    return std::all_of(text.begin(), text.end(), [](unsigned char c) {
        return std::isalnum(c) != 0 || c == '-' || c == '_';
    });
}

// The complete lines of `text` that contain `needle`.
std::vector<std::string> lines_with(const std::string& text, std::string_view needle) {
    std::vector<std::string> found;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (contains(line, needle)) found.push_back(line);
    }
    return found;
}

// The non-empty, non-comment lines of a tokens file.
std::vector<std::string> entry_lines(const fs::path& file) {
    std::vector<std::string> entries;
    std::istringstream in(read_file(file));
    for (std::string line; std::getline(in, line);) {
        const auto first = line.find_first_not_of(" \t");
        if (first != std::string::npos && line[first] != '#') entries.push_back(line);
    }
    return entries;
}

// `camstreamd ARGUMENTS...`, bounded.
// `camstreamd token add NAME --tokens-file FILE [MORE...]`: the token it printed.
std::string add_token(const fs::path& file, const std::string& name, const std::vector<std::string>& more = {}) {
    std::vector<std::string> arguments{"token", "add", name, "--tokens-file", file.string()};
    arguments.insert(arguments.end(), more.begin(), more.end());
    const auto result = run_camstreamd(arguments);
    INFO("token add " << name << ": " << result.stdout_text << result.stderr_text);
    REQUIRE(result.status.exited_with(0));
    const auto lines = result.stdout_lines();
    REQUIRE(lines.size() == 1);
    return lines.front();
}

// SHA-256 of `token`, base64url without padding, computed by openssl and
// basenc: what docs/ACCESS.md tells an operator the tokens file holds.
std::string openssl_hash(const std::string& token) {
    const auto result =
        run_process({"/bin/sh", "-c", "printf '%s' \"$1\" | openssl dgst -sha256 -binary | basenc --base64url", "sh",
                     token},
                    10s);
    INFO(result.stderr_text);
    REQUIRE(result.status.exited_with(0));
    std::string hash = result.stdout_text;
    hash.erase(std::remove_if(hash.begin(), hash.end(), [](char c) { return c == '=' || c == '\n'; }), hash.end());
    REQUIRE(hash.size() == 43);
    return hash;
}

// The settings of a 320x240 test pattern at kFps with access.mode tokens and this file.
std::vector<std::string> guarded(const fs::path& tokens_file, std::initializer_list<std::string> more = {}) {
    std::vector<std::string> settings{"source.width=320", "source.height=240", "source.fps=" + std::to_string(kFps),
                                      "access.mode=tokens", "access.tokens_file=" + tokens_file.string()};
    settings.insert(settings.end(), more.begin(), more.end());
    return settings;
}

// A token of the right shape that no tokens file holds.
std::string unknown_token(int index = 0) {
    auto token = "NotARealTokenButTheRightShape0123456789" + std::to_string(1000 + index);
    token.resize(43, 'x');
    return token;
}

// A frame rate over [from, to) near `fps`: room for a frame at either edge and
// for pacing to the 0.9 / N rule, not for a cap that is off.
void check_rate(const std::vector<ReceivedFrame>& frames, std::size_t received, double fps, double seconds) {
    CAPTURE(fps);
    CAPTURE(seconds);
    CAPTURE(received);
    CHECK(received <= static_cast<std::size_t>(fps * seconds * 1.25 + 2));
    CHECK(received >= static_cast<std::size_t>(fps * seconds * 0.6));
    CHECK(sequence_violations(frames) == 0);
}

}  // namespace

TEST_CASE("access: mode open is the default: --check-config shows the access defaults and no token is asked") {
    const auto check = run_camstreamd({"--config", kDemoConfig, "--check-config"});
    INFO(check.stdout_text << check.stderr_text);
    CHECK(check.status.exited_with(0));
    CHECK(contains(check.stdout_text, "access:"));
    CHECK(contains(check.stdout_text, "mode: open"));
    CHECK(contains(check.stdout_text, "/etc/camstream/tokens"));
    CHECK(contains(check.stdout_text, "max_failures: 10"));

    const auto wrong_mode = run_camstreamd({"--config", kDemoConfig, "--set", "access.mode=closed", "--check-config"});
    INFO(wrong_mode.stderr_text);
    CHECK(wrong_mode.status.exited_with(1));
    CHECK(contains(wrong_mode.stderr_text, "access.mode"));

    DaemonProcess daemon({"source.width=320", "source.height=240", "source.fps=20"});
    INFO("daemon log:\n" << daemon.log_tail());
    TestClient viewer(daemon.port());
    REQUIRE(hello(viewer, "").accepted());
    CHECK(viewer.receive_frames(5, 10s));
    CHECK(get(daemon.http_port(), "/snapshot.jpg").status == 200);
    CHECK(get(daemon.http_port(), "/stream").status == 200);
    // The warning that anyone may watch is for addresses others can reach; on
    // loopback only this host can.
    CHECK_FALSE(contains(lowercase(daemon.log_text()), "anyone"));
    CHECK(daemon.stop().exited_with(0));
}

TEST_CASE("access: over TCP a hello without a token or with a wrong one is refused as unauthorized, a right one streams") {
    TempDir dir("access");
    const auto file = dir.path() / "tokens";
    const auto alice = add_token(file, "alice");
    const auto wrong = unknown_token();
    const auto truncated = alice.substr(0, alice.size() - 1);
    DaemonProcess daemon(guarded(file));
    INFO("daemon log:\n" << daemon.log_tail());

    {
        TestClient viewer(daemon.port());
        const auto reply = hello(viewer, "");
        CAPTURE(viewer.summary());
        CHECK(reply.status == wire::Reason::unauthorized);
        CHECK(contains(reply.reason_text, "a token is required"));
        CHECK(viewer.read_until_closed(5s));
        CHECK(viewer.frames().empty());
    }
    for (const auto& bad : {wrong, truncated, alice + "x"}) {
        TestClient viewer(daemon.port());
        const auto reply = hello(viewer, bad);
        CAPTURE(viewer.summary());
        CHECK(reply.status == wire::Reason::unauthorized);
        CHECK(contains(reply.reason_text, "not valid"));
        // The reply does not repeat what was presented.
        CHECK_FALSE(contains(reply.reason_text, bad));
        CHECK(viewer.read_until_closed(5s));
        CHECK(viewer.frames().empty());
    }
    {
        TestClient viewer(daemon.port());
        const auto reply = hello(viewer, alice);
        CAPTURE(viewer.summary());
        REQUIRE(reply.accepted());
        CHECK(reply.info.width == 320);
        CHECK(viewer.receive_frames(20, 10s));
        CHECK(sequence_violations(viewer.frames()) == 0);
        CHECK(invalid_jpegs(viewer.frames()) == 0);
    }
    {  // camview, as docs/ACCESS.md tells a user to run it
        const auto with_token = run_camview(
            {"--headless", "--frames", "10", "--timeout", "15", "--token", alice, loopback_address(daemon.port())},
            30s);
        INFO(with_token.stdout_text << with_token.stderr_text);
        CHECK(with_token.status.exited_with(0));
        const auto without = run_camview(
            {"--headless", "--frames", "10", "--timeout", "3", loopback_address(daemon.port())}, 30s);
        INFO(without.stdout_text << without.stderr_text);
        CHECK(without.status.exited_with(1));
    }

    // The log names the viewer by its token's name, never the token.
    CHECK_FALSE(lines_with(daemon.log_text(), "token 'alice'").empty());
    check_log_holds_none(daemon, {alice, wrong, truncated});
    CHECK(daemon.stop().exited_with(0));
}

TEST_CASE("access: over HTTP every endpoint but /healthz wants a bearer token, in the header or as ?token=") {
    TempDir dir("access");
    const auto file = dir.path() / "tokens";
    const auto alice = add_token(file, "alice");
    const auto wrong = unknown_token();
    DaemonProcess daemon(guarded(file));
    INFO("daemon log:\n" << daemon.log_tail());
    const auto port = daemon.http_port();
    REQUIRE(port != 0);

    // Refusals come from addresses of their own (127.0.0.3 to .5), so that none
    // of them reaches access.max_failures.
    for (const std::string path : {"/", "/stream", "/snapshot.jpg", "/metrics"}) {
        CAPTURE(path);
        const auto missing = get(port, path, {}, "127.0.0.3");
        CAPTURE(missing.head_text());
        CHECK(missing.status == 401);
        CHECK(missing.header("WWW-Authenticate") == "Bearer realm=\"camstream\"");
        const auto wrong_header = get(port, path, bearer(wrong), "127.0.0.4");
        CAPTURE(wrong_header.head_text());
        CHECK(wrong_header.status == 401);
        CHECK(starts_with(wrong_header.header("WWW-Authenticate").value_or(""), "Bearer realm=\"camstream\""));
        const auto wrong_query = get(port, path + "?token=" + wrong, {}, "127.0.0.5");
        CHECK(wrong_query.status == 401);

        const auto by_header = get(port, path, bearer(alice));
        CAPTURE(by_header.head_text());
        CHECK(by_header.status == 200);
        const auto by_query = get(port, path + "?token=" + alice);
        CAPTURE(by_query.head_text());
        CHECK(by_query.status == 200);
    }
    // Uptime checks need no token.
    CHECK(get(port, "/healthz", {}, "127.0.0.3").status == 200);

    {  // /stream?token= streams, and takes ?fps= beside it
        HttpStreamViewer::Options options;
        options.target = "/stream?fps=10&token=" + alice;
        HttpStreamViewer viewer(port, options);
        std::vector<HttpStreamViewer*> viewers{&viewer};
        pump_until({}, viewers, [&] { return viewer.frames().size() >= 10 || viewer.ended(); }, 10s);
        CAPTURE(viewer.summary());
        REQUIRE(viewer.response().has_value());
        CHECK(viewer.response()->status == 200);
        CHECK(viewer.frames().size() >= 10);
        CHECK(viewer.format_error().empty());
    }
    {  // curl and ffmpeg as docs/ACCESS.md writes them
        const auto curl = run_process({"/usr/bin/curl", "-fsS", "--max-time", "10", "-o", "/dev/null", "-w",
                                       "%{http_code}", "-H", "Authorization: Bearer " + alice,
                                       "http://127.0.0.1:" + std::to_string(port) + "/snapshot.jpg"},
                                      15s);
        INFO(curl.stderr_text);
        CHECK(curl.status.exited_with(0));
        CHECK(curl.stdout_text == "200");
        for (const auto& way : {std::vector<std::string>{"-headers", "Authorization: Bearer " + alice + "\r\n", "-i",
                                                         "http://127.0.0.1:" + std::to_string(port) + "/stream"},
                                std::vector<std::string>{
                                    "-i", "http://127.0.0.1:" + std::to_string(port) + "/stream?token=" + alice}}) {
            std::vector<std::string> argv{"/usr/bin/ffmpeg", "-hide_banner", "-loglevel", "error", "-nostats"};
            argv.insert(argv.end(), way.begin(), way.end());
            argv.insert(argv.end(), {"-frames:v", "10", "-f", "null", "-"});
            const auto ffmpeg = run_process(argv, 20s);
            CAPTURE(way.front());
            INFO(ffmpeg.stderr_text);
            CHECK_FALSE(ffmpeg.timed_out);
            CHECK(ffmpeg.status.exited_with(0));
        }
    }

    // Neither the header nor the query string reaches the log.
    check_log_holds_none(daemon, {alice, wrong});
    CHECK(daemon.stop().exited_with(0));
}

TEST_CASE("access: a token's max_streams counts its streams over TCP and HTTP, one more is refused until one leaves") {
    TempDir dir("access");
    const auto file = dir.path() / "tokens";
    const auto alice = add_token(file, "alice", {"--max-streams", "2"});
    const auto bob = add_token(file, "bob");
    DaemonProcess daemon(guarded(file));
    INFO("daemon log:\n" << daemon.log_tail());

    auto first = std::make_unique<TestClient>(daemon.port());
    REQUIRE(hello(*first, alice).accepted());
    HttpStreamViewer::Options options;
    options.target = "/stream?token=" + alice;
    HttpStreamViewer second(daemon.http_port(), options);
    std::vector<TestClient*> tcp_viewers{first.get()};
    std::vector<HttpStreamViewer*> http_viewers{&second};
    pump_until(tcp_viewers, http_viewers, [&] { return !second.frames().empty() || second.ended(); }, 10s);
    CAPTURE(second.summary());
    REQUIRE(second.response().has_value());
    REQUIRE(second.response()->status == 200);

    // A third stream with alice's token is refused, over either protocol, as
    // often as it is tried: a right token over its limit is no failed attempt,
    // so access.max_failures (10) never stops it.
    for (int attempt = 0; attempt < 12; ++attempt) {
        TestClient third(daemon.port());
        const auto reply = hello(third, alice);
        CAPTURE(attempt);
        CAPTURE(third.summary());
        CHECK(reply.status == wire::Reason::unauthorized);
        CHECK(contains(reply.reason_text, "streams"));
    }
    const auto third_http = get(daemon.http_port(), "/stream?token=" + alice);
    CAPTURE(third_http.head_text());
    CHECK(third_http.status == 403);  // the token is right: no 401 challenge
    CHECK_FALSE(third_http.header("www-authenticate").has_value());
    // A snapshot is no stream.
    CHECK(get(daemon.http_port(), "/snapshot.jpg", bearer(alice)).status == 200);
    // Other tokens are not affected.
    TestClient with_bob(daemon.port());
    REQUIRE(hello(with_bob, bob).accepted());

    // The first leaves: its slot is free again, for one viewer.
    first.reset();
    std::unique_ptr<TestClient> replacement;
    const auto freed = wait_until(
        [&] {
            replacement = std::make_unique<TestClient>(daemon.port());
            return hello(*replacement, alice).accepted();
        },
        5s, 100ms);
    CHECK(freed);
    TestClient fourth(daemon.port());
    const auto reply = hello(fourth, alice);
    CHECK(reply.status == wire::Reason::unauthorized);
    CHECK(contains(reply.reason_text, "streams"));

    check_log_holds_none(daemon, {alice, bob});
    CHECK(daemon.stop().exited_with(0));
}

TEST_CASE("access: a token's max_fps caps its viewers at the lower of their own ask and the token's") {
    TempDir dir("access");
    const auto file = dir.path() / "tokens";
    const auto alice = add_token(file, "alice", {"--max-fps", "5"});
    const auto bob = add_token(file, "bob");
    DaemonProcess daemon(guarded(file));
    INFO("daemon log:\n" << daemon.log_tail());

    TestClient asks_nothing(daemon.port()), asks_less(daemon.port()), asks_more(daemon.port()),
        unlimited(daemon.port());
    REQUIRE(asks_nothing.send_hello(0, alice));
    REQUIRE(asks_less.send_hello(2, alice));
    REQUIRE(asks_more.send_hello(10, alice));
    REQUIRE(unlimited.send_hello(0, bob));
    std::vector<TestClient*> tcp_viewers{&asks_nothing, &asks_less, &asks_more, &unlimited};
    wait_for_hellos(tcp_viewers);
    for (const auto* viewer : tcp_viewers) REQUIRE(viewer->server_hello()->accepted());
    HttpStreamViewer::Options plain, slower;
    plain.target = "/stream?token=" + alice;
    slower.target = "/stream?fps=2&token=" + alice;
    HttpStreamViewer http_plain(daemon.http_port(), plain), http_slower(daemon.http_port(), slower);
    std::vector<HttpStreamViewer*> http_viewers{&http_plain, &http_slower};

    pump_for(tcp_viewers, http_viewers, 1s);
    const auto from = Clock::now();
    pump_for(tcp_viewers, http_viewers, 4s);
    const auto to = Clock::now();
    const double seconds = std::chrono::duration<double>(to - from).count();
    for (const auto* viewer : tcp_viewers) {
        CAPTURE(viewer->summary());
        CHECK_FALSE(viewer->ended());
    }
    for (const auto* viewer : http_viewers) {
        CAPTURE(viewer->summary());
        REQUIRE(viewer->response().has_value());
        CHECK(viewer->response()->status == 200);
        CHECK_FALSE(viewer->ended());
    }
    {
        INFO("tcp, alice (max_fps=5), asks for no cap");
        check_rate(asks_nothing.frames(), asks_nothing.frames_between(from, to), 5, seconds);
    }
    {
        INFO("tcp, alice (max_fps=5), asks for 2");
        check_rate(asks_less.frames(), asks_less.frames_between(from, to), 2, seconds);
    }
    {
        INFO("tcp, alice (max_fps=5), asks for 10");
        check_rate(asks_more.frames(), asks_more.frames_between(from, to), 5, seconds);
    }
    {
        INFO("http, alice (max_fps=5), no ?fps=");
        check_rate(http_plain.frames(), http_plain.frames_between(from, to), 5, seconds);
    }
    {
        INFO("http, alice (max_fps=5), ?fps=2");
        check_rate(http_slower.frames(), http_slower.frames_between(from, to), 2, seconds);
    }
    // bob's token has no cap: the source's rate.
    CHECK(unlimited.frames_between(from, to) >= static_cast<std::size_t>(0.8 * kFps * seconds));
    check_log_holds_none(daemon, {alice, bob});
    CHECK(daemon.stop().exited_with(0));
}

TEST_CASE("access: token add prints a new token once and stores only its hash, list shows no hash, remove deletes") {
    TempDir dir("access");
    const auto file = dir.path() / "tokens";

    const auto added = run_camstreamd({"token", "add", "alice", "--tokens-file", file.string()});
    INFO("token add alice: " << added.stdout_text << added.stderr_text);
    REQUIRE(added.status.exited_with(0));
    // The token alone on stdout: 32 random bytes, base64url without padding.
    const auto alice = added.stdout_text.substr(0, added.stdout_text.find('\n'));
    CHECK(added.stdout_text == alice + "\n");
    CHECK(alice.size() == 43);
    CHECK(is_base64url(alice));
    CHECK_FALSE(contains(added.stderr_text, alice));
    // The file it created holds the name and the hash, not the token; it may be
    // world-readable, since a hash lets nobody watch.
    REQUIRE(fs::exists(file));
    CHECK((fs::status(file).permissions() & fs::perms::mask) == static_cast<fs::perms>(0644));
    CHECK_FALSE(contains(read_file(file), alice));
    auto entries = entry_lines(file);
    REQUIRE(entries.size() == 1);
    CHECK(starts_with(entries[0], "alice sha256:"));
    const auto alice_hash = entries[0].substr(std::string_view("alice sha256:").size(), 43);
    CHECK(alice_hash.size() == 43);
    CHECK(is_base64url(alice_hash));

    // Limits go on the line; a second token differs from the first.
    const auto bob = add_token(file, "bob", {"--max-fps", "5", "--max-streams", "2"});
    CHECK(bob != alice);
    entries = entry_lines(file);
    REQUIRE(entries.size() == 2);
    CHECK(entries[0] == "alice sha256:" + alice_hash);
    CHECK(starts_with(entries[1], "bob sha256:"));
    CHECK(contains(entries[1], " max_fps=5"));
    CHECK(contains(entries[1], " max_streams=2"));
    CHECK_FALSE(contains(read_file(file), bob));

    // Names the file allows: 1..64 of [A-Za-z0-9._-].
    add_token(file, "Front.door_cam-2");
    add_token(file, std::string(64, 'n'));
    const auto before = read_file(file);
    for (const auto& name : {std::string("alice"), std::string("bob"), std::string(65, 'n'), std::string("back/door"),
                             std::string("back door"), std::string("caf\xc3\xa9"), std::string()}) {
        CAPTURE(name);
        const auto refused = run_camstreamd({"token", "add", name, "--tokens-file", file.string()});
        INFO(refused.stdout_text << refused.stderr_text);
        // A name already there is exit 1; a name the file cannot hold is
        // refused too (1, or 2 for a bad command line).
        CHECK_FALSE(refused.status.exited_with(0));
        if (name == "alice" || name == "bob") CHECK(refused.status.exited_with(1));
        CHECK(refused.stdout_text.empty());
        CHECK_FALSE(refused.stderr_text.empty());
        if (name == "alice") CHECK(contains(refused.stderr_text, "alice"));
    }
    CHECK(read_file(file) == before);

    // list: names and limits, no hash, no token.
    const auto listed = run_camstreamd({"token", "list", "--tokens-file", file.string()});
    INFO("token list: " << listed.stdout_text << listed.stderr_text);
    CHECK(listed.status.exited_with(0));
    CHECK(lines_with(listed.stdout_text, "alice").size() == 1);
    const auto bob_lines = lines_with(listed.stdout_text, "bob");
    REQUIRE(bob_lines.size() == 1);
    CHECK(contains(bob_lines[0], "5"));
    CHECK(contains(bob_lines[0], "2"));
    CHECK(contains(listed.stdout_text, "Front.door_cam-2"));
    CHECK_FALSE(contains(listed.stdout_text, "sha256"));
    CHECK_FALSE(contains(listed.stdout_text, alice_hash));
    CHECK_FALSE(contains(listed.stdout_text, alice));
    CHECK_FALSE(contains(listed.stdout_text, bob));

    // remove: that line goes, the others and comments stay; a second time it is not there.
    write_text(file, "# who may watch\n\n" + read_file(file));
    const auto removed = run_camstreamd({"token", "remove", "alice", "--tokens-file", file.string()});
    INFO("token remove: " << removed.stdout_text << removed.stderr_text);
    CHECK(removed.status.exited_with(0));
    const auto after = read_file(file);
    CHECK(starts_with(after, "# who may watch\n"));
    CHECK_FALSE(contains(after, "alice"));
    CHECK(contains(after, "\nbob sha256:"));
    CHECK(entry_lines(file).size() == 3);
    const auto again = run_camstreamd({"token", "remove", "alice", "--tokens-file", file.string()});
    CHECK(again.status.exited_with(1));
    CHECK(contains(again.stderr_text, "alice"));
    CHECK(read_file(file) == after);

    // Without --tokens-file: the configuration's access.tokens_file.
    const auto configured = dir.path() / "configured-tokens";
    const auto config = dir.path() / "camstreamd.yaml";
    write_text(config, "access:\n  mode: tokens\n  tokens_file: " + configured.string() + "\n");
    const auto carol = run_camstreamd({"--config", config.string(), "token", "add", "carol"});
    INFO("token add carol: " << carol.stdout_text << carol.stderr_text);
    CHECK(carol.status.exited_with(0));
    REQUIRE(fs::exists(configured));
    const auto configured_entries = entry_lines(configured);
    REQUIRE(configured_entries.size() == 1);
    CHECK(starts_with(configured_entries[0], "carol sha256:"));
    const auto listed_configured = run_camstreamd({"--config", config.string(), "token", "list"});
    CHECK(listed_configured.status.exited_with(0));
    CHECK(contains(listed_configured.stdout_text, "carol"));
    CHECK(run_camstreamd({"--config", config.string(), "token", "remove", "carol"}).status.exited_with(0));
    CHECK(entry_lines(configured).empty());
}

TEST_CASE("access: the tokens file is as documented: a hash made with openssl is accepted, token add writes the same") {
    TempDir dir("access");
    const auto file = dir.path() / "tokens";
    // Written by hand: a comment, blank lines, a limit, the hash computed apart
    // from camstreamd.
    const std::string alice = "correct-horse-battery-staple-for-the-kitchen";
    write_text(file, "# who may watch the kitchen\n\n   \nalice sha256:" + openssl_hash(alice) +
                         " max_fps=10\n# end\n");
    DaemonProcess daemon(guarded(file));
    INFO("daemon log:\n" << daemon.log_tail());
    {
        TestClient viewer(daemon.port());
        REQUIRE(hello(viewer, alice).accepted());
        CHECK(viewer.receive_frames(5, 10s));
        CHECK(get(daemon.http_port(), "/snapshot.jpg", bearer(alice)).status == 200);
    }

    // A token minted while the daemon runs: its line holds openssl's hash of
    // the printed token, and after SIGHUP the running daemon accepts it.
    const auto bob = add_token(file, "bob");
    const auto entries = entry_lines(file);
    REQUIRE(entries.size() == 2);
    CHECK(entries[1] == "bob sha256:" + openssl_hash(bob));
    REQUIRE(daemon.send_signal(SIGHUP));
    std::unique_ptr<TestClient> viewer;
    CHECK(wait_until(
        [&] {
            viewer = std::make_unique<TestClient>(daemon.port());
            return hello(*viewer, bob).accepted();
        },
        10s, 200ms));
    CAPTURE(viewer->summary());
    CHECK(viewer->receive_frames(5, 10s));
    CHECK(get(daemon.http_port(), "/snapshot.jpg?token=" + bob).status == 200);

    check_log_holds_none(daemon, {alice, bob});
    CHECK(daemon.stop().exited_with(0));
}

TEST_CASE("access: 30 wrong tokens from one address are stopped after access.max_failures while others stream at full rate") {
    TempDir dir("access");
    const auto file = dir.path() / "tokens";
    const auto alice = add_token(file, "alice");
    DaemonProcess daemon(guarded(file));
    INFO("daemon log:\n" << daemon.log_tail());

    TestClient good(daemon.port());
    REQUIRE(hello(good, alice).accepted());
    std::vector<TestClient*> good_list{&good};
    pump_for(good_list, 1s);

    // The guessing runs on a thread while the good viewer is served: 30 wrong
    // tokens over TCP from 127.0.0.2, then its right token over TCP and HTTP;
    // 12 wrong bearer tokens over HTTP from 127.0.0.3, then its right one.
    struct Reply {
        wire::Reason status = wire::Reason::none;
        std::string text;
    };
    std::vector<Reply> tcp_guesses;
    std::optional<Reply> tcp_right_after;
    std::optional<HttpResponse> http_right_after_tcp;
    std::vector<std::optional<HttpResponse>> http_guesses;
    std::optional<HttpResponse> http_right_after;
    std::string worker_error;
    std::atomic<bool> finished{false};
    const auto from = Clock::now();
    std::thread worker([&] {
        const auto tcp_attempt = [&](const std::string& token) {
            TestClient client(daemon.port(), from_address("127.0.0.2"));
            if (!client.send_hello(0, token)) throw std::runtime_error("127.0.0.2 could not send its hello");
            TestClient* one[] = {&client};
            wait_for_hellos(one, 10s);
            return Reply{client.server_hello()->status, client.server_hello()->reason_text};
        };
        try {
            for (int i = 0; i < 30; ++i) {
                tcp_guesses.push_back(tcp_attempt(unknown_token(i)));
                std::this_thread::sleep_for(100ms);
            }
            tcp_right_after = tcp_attempt(alice);
            http_right_after_tcp = try_get(daemon.http_port(), "/snapshot.jpg", bearer(alice), "127.0.0.2");
            for (int i = 0; i < 12; ++i) {
                http_guesses.push_back(try_get(daemon.http_port(), "/snapshot.jpg", bearer(unknown_token(100 + i)),
                                               "127.0.0.3"));
            }
            http_right_after = try_get(daemon.http_port(), "/snapshot.jpg", bearer(alice), "127.0.0.3");
        } catch (const std::exception& error) {
            worker_error = error.what();
        }
        finished = true;
    });
    pump_until(good_list, [&] { return finished.load(); }, 90s);
    worker.join();
    // At least 3 s of measurement, even if the guesses were quicker.
    pump_until(good_list, [&] { return Clock::now() - from >= 3s; }, 5s);
    const auto to = Clock::now();
    REQUIRE(worker_error.empty());

    // TCP: access.max_failures (10) wrong tokens are told "not valid"; every
    // attempt after that, the right token too, "too many failed attempts".
    REQUIRE(tcp_guesses.size() == 30);
    for (std::size_t i = 0; i < tcp_guesses.size(); ++i) {
        CAPTURE(i);
        CAPTURE(tcp_guesses[i].text);
        CHECK(tcp_guesses[i].status == wire::Reason::unauthorized);
        CHECK(contains(tcp_guesses[i].text, i < 10 ? "not valid" : "too many failed attempts"));
    }
    REQUIRE(tcp_right_after.has_value());
    CHECK(tcp_right_after->status == wire::Reason::unauthorized);
    CHECK(contains(tcp_right_after->text, "too many failed attempts"));
    // The address is stopped whatever it speaks.
    REQUIRE(http_right_after_tcp.has_value());
    CAPTURE(http_right_after_tcp->head_text());
    CHECK(http_right_after_tcp->status == 429);

    // HTTP: 401 ten times, then 429 with Retry-After (within the minute), the
    // right token too.
    REQUIRE(http_guesses.size() == 12);
    for (std::size_t i = 0; i < http_guesses.size(); ++i) {
        CAPTURE(i);
        REQUIRE(http_guesses[i].has_value());
        CAPTURE(http_guesses[i]->head_text());
        CHECK(http_guesses[i]->status == (i < 10 ? 401 : 429));
    }
    REQUIRE(http_right_after.has_value());
    const auto& limited = *http_right_after;
    CAPTURE(limited.head_text());
    CHECK(limited.status == 429);
    CHECK(limited.reason == "Too Many Requests");
    const auto retry_after = limited.header("Retry-After");
    REQUIRE(retry_after.has_value());
    CHECK(std::all_of(retry_after->begin(), retry_after->end(), [](unsigned char c) { return std::isdigit(c); }));
    CHECK(std::stoi(*retry_after) >= 1);
    CHECK(std::stoi(*retry_after) <= 60);

    // The good viewer on 127.0.0.1 kept the frame rate throughout.
    const double seconds = std::chrono::duration<double>(to - from).count();
    CAPTURE(seconds);
    CAPTURE(good.summary());
    CHECK_FALSE(good.ended());
    CHECK(good.frames_between(from, to) >= static_cast<std::size_t>(0.9 * kFps * seconds));
    CHECK(sequence_violations(good.frames()) == 0);
    // And 127.0.0.1 still gets in.
    TestClient another(daemon.port());
    CHECK(hello(another, alice).accepted());
    CHECK(get(daemon.http_port(), "/snapshot.jpg", bearer(alice)).status == 200);

    check_log_holds_none(daemon, {alice, unknown_token(0), unknown_token(29), unknown_token(111)});
    CHECK(daemon.stop().exited_with(0));
}

TEST_CASE("access: SIGHUP after a token's removal ends its viewers with reason unauthorized, others stay, a new token works") {
    TempDir dir("access");
    const auto file = dir.path() / "tokens";
    const auto alice = add_token(file, "alice");
    const auto bob = add_token(file, "bob");
    DaemonProcess daemon(guarded(file));
    INFO("daemon log:\n" << daemon.log_tail());

    TestClient alice_tcp(daemon.port()), bob_tcp(daemon.port());
    REQUIRE(alice_tcp.send_hello(0, alice));
    REQUIRE(bob_tcp.send_hello(0, bob));
    std::vector<TestClient*> tcp_viewers{&alice_tcp, &bob_tcp};
    wait_for_hellos(tcp_viewers);
    REQUIRE(alice_tcp.server_hello()->accepted());
    REQUIRE(bob_tcp.server_hello()->accepted());
    HttpStreamViewer::Options alice_options, bob_options;
    alice_options.target = "/stream?token=" + alice;
    bob_options.target = "/stream?token=" + bob;
    HttpStreamViewer alice_http(daemon.http_port(), alice_options), bob_http(daemon.http_port(), bob_options);
    std::vector<HttpStreamViewer*> http_viewers{&alice_http, &bob_http};
    pump_for(tcp_viewers, http_viewers, 1s);
    for (const auto* viewer : http_viewers) {
        CAPTURE(viewer->summary());
        REQUIRE(viewer->response().has_value());
        REQUIRE(viewer->response()->status == 200);
        REQUIRE_FALSE(viewer->frames().empty());
    }

    const auto removed = run_camstreamd({"token", "remove", "alice", "--tokens-file", file.string()});
    REQUIRE(removed.status.exited_with(0));
    const auto carol = add_token(file, "carol");
    const auto reload_at = Clock::now();
    REQUIRE(daemon.send_signal(SIGHUP));
    pump_until(tcp_viewers, http_viewers, [&] { return alice_tcp.ended() && alice_http.ended(); }, 10s);
    pump_for(tcp_viewers, http_viewers, 2s);
    const auto seconds_since = std::chrono::duration<double>(Clock::now() - reload_at).count();
    CAPTURE(alice_tcp.summary());
    CAPTURE(alice_http.summary());
    CAPTURE(bob_tcp.summary());
    CAPTURE(bob_http.summary());

    // alice's viewers are told, TCP with a GOODBYE naming the revocation, and
    // HTTP by the stream ending after a whole part.
    CHECK(alice_tcp.ending() == Ending::end_of_stream);
    REQUIRE(alice_tcp.goodbye().has_value());
    CHECK(alice_tcp.goodbye()->reason == wire::Reason::unauthorized);
    CHECK(contains(lowercase(alice_tcp.goodbye()->text), "revoked"));
    CHECK(alice_http.ended());
    CHECK(alice_http.format_error().empty());
    CHECK(alice_http.at_part_boundary());
    // bob's stream on.
    CHECK_FALSE(bob_tcp.ended());
    CHECK_FALSE(bob_http.ended());
    CHECK(bob_tcp.frames_between(reload_at, Clock::now()) >= static_cast<std::size_t>(0.8 * kFps * seconds_since));
    CHECK(bob_http.frames_between(reload_at, Clock::now()) >= static_cast<std::size_t>(0.8 * kFps * seconds_since));

    // carol's token works at once; alice's no more.
    TestClient with_carol(daemon.port());
    CHECK(hello(with_carol, carol).accepted());
    CHECK(get(daemon.http_port(), "/snapshot.jpg", bearer(carol)).status == 200);
    TestClient with_alice(daemon.port());
    const auto reply = hello(with_alice, alice);
    CHECK(reply.status == wire::Reason::unauthorized);
    CHECK(contains(reply.reason_text, "not valid"));
    CHECK(get(daemon.http_port(), "/snapshot.jpg", bearer(alice)).status == 401);

    check_log_holds_none(daemon, {alice, bob, carol});
    CHECK(daemon.stop().exited_with(0));
}

TEST_CASE("access: a token replaced under the same name on SIGHUP ends the viewers of the old token") {
    // Rotating a leaked token: the operator removes NAME and adds NAME again.
    // The old token is removed, so its viewers end, though the name stays.
    TempDir dir("access");
    const auto file = dir.path() / "tokens";
    const auto leaked = add_token(file, "alice");
    DaemonProcess daemon(guarded(file));
    INFO("daemon log:\n" << daemon.log_tail());
    TestClient old_tcp(daemon.port());
    REQUIRE(hello(old_tcp, leaked).accepted());
    HttpStreamViewer::Options options;
    options.target = "/stream?token=" + leaked;
    HttpStreamViewer old_http(daemon.http_port(), options);
    std::vector<TestClient*> tcp_viewers{&old_tcp};
    std::vector<HttpStreamViewer*> http_viewers{&old_http};
    pump_for(tcp_viewers, http_viewers, 1s);
    REQUIRE(old_http.response().has_value());
    REQUIRE(old_http.response()->status == 200);

    REQUIRE(run_camstreamd({"token", "remove", "alice", "--tokens-file", file.string()}).status.exited_with(0));
    const auto replacement = add_token(file, "alice");
    REQUIRE(daemon.send_signal(SIGHUP));
    pump_until(tcp_viewers, http_viewers, [&] { return old_tcp.ended() && old_http.ended(); }, 10s);
    CAPTURE(old_tcp.summary());
    CAPTURE(old_http.summary());
    REQUIRE(old_tcp.goodbye().has_value());
    CHECK(old_tcp.goodbye()->reason == wire::Reason::unauthorized);
    CHECK(contains(lowercase(old_tcp.goodbye()->text), "revoked"));
    CHECK(old_http.ended());

    TestClient again(daemon.port());
    CHECK(hello(again, leaked).status == wire::Reason::unauthorized);
    TestClient renewed(daemon.port());
    CHECK(hello(renewed, replacement).accepted());
    check_log_holds_none(daemon, {leaked, replacement});
    CHECK(daemon.stop().exited_with(0));
}

TEST_CASE("access: a tokens file broken on SIGHUP is refused at its line and the tokens before it stay") {
    TempDir dir("access");
    const auto file = dir.path() / "tokens";
    const auto alice = add_token(file, "alice");
    const auto spare = dir.path() / "spare";
    const auto carol = add_token(spare, "carol");
    DaemonProcess daemon(guarded(file));
    INFO("daemon log:\n" << daemon.log_tail());
    TestClient watching(daemon.port());
    REQUIRE(hello(watching, alice).accepted());

    // alice gone, carol added, line 3 broken: applied in part it would end
    // alice's viewer and let carol in.
    const auto carol_line = entry_lines(spare);
    REQUIRE(carol_line.size() == 1);
    write_text(file, "# new list\n" + carol_line[0] + "\ndave sha256:not-a-hash\n");
    REQUIRE(daemon.send_signal(SIGHUP));
    std::vector<TestClient*> watching_list{&watching};
    CHECK(pump_until(
        watching_list, [&] { return daemon.count_in_log(file.string() + ":3") > 0; }, 10s));
    pump_for(watching_list, 1s);
    CAPTURE(watching.summary());
    CHECK_FALSE(watching.ended());
    CHECK(watching.receive_frames(5, 10s));

    TestClient with_alice(daemon.port());
    CHECK(hello(with_alice, alice).accepted());
    TestClient with_carol(daemon.port());
    CHECK(hello(with_carol, carol).status == wire::Reason::unauthorized);
    check_log_holds_none(daemon, {alice, carol});
    CHECK(daemon.stop().exited_with(0));
}

TEST_CASE("access: camstreamd with a missing or malformed tokens file exits 1 at start, naming the file and line") {
    TempDir dir("access");
    const auto file = dir.path() / "tokens";
    const std::string good = "sha256:" + openssl_hash("a-good-token");
    struct Case {
        std::string text;  // empty: no file at all
        int line;          // 0: no line to name
    };
    const std::vector<Case> cases{
        {{}, 0},
        {"# viewers\n\nalice " + good + "\nbob md5:" + good.substr(7) + "\n", 4},
        {"al/ice " + good + "\n", 1},
        {std::string(65, 'a') + " " + good + "\n", 1},
        {"alice sha256:tooshort\n", 1},
        {"alice\n", 1},
        {"alice " + good + "\nbob " + good + " max_fps=fast\n", 2},
        {"alice " + good + " max_streams=-1\n", 1},
        {"alice " + good + " colour=red\n", 1},
    };
    for (const auto& c : cases) {
        CAPTURE(c.text);
        fs::remove(file);
        if (!c.text.empty()) write_text(file, c.text);
        const auto result = run_camstreamd({"--config", kDemoConfig, "--set", "server.listen=127.0.0.1:0", "--set",
                                        "http.listen=127.0.0.1:0", "--set", "access.mode=tokens", "--set",
                                        "access.tokens_file=" + file.string()},
                                       10s);
        const auto said = result.stdout_text + result.stderr_text;
        INFO(said);
        CHECK_FALSE(result.timed_out);
        CHECK(result.status.exited_with(1));
        CHECK(contains(said, c.line > 0 ? file.string() + ":" + std::to_string(c.line) : file.string()));
        CHECK_FALSE(contains(said, "listening on"));
    }
    if (geteuid() != 0) {  // root reads any file
        write_text(file, "alice " + good + "\n");
        fs::permissions(file, fs::perms::none);
        const auto result = run_camstreamd({"--config", kDemoConfig, "--set", "server.listen=127.0.0.1:0", "--set",
                                        "http.listen=127.0.0.1:0", "--set", "access.mode=tokens", "--set",
                                        "access.tokens_file=" + file.string()},
                                       10s);
        INFO(result.stdout_text << result.stderr_text);
        CHECK(result.status.exited_with(1));
        CHECK(contains(result.stderr_text, file.string()));
    }
}

TEST_CASE("access: a reload from mode open to tokens ends every viewer admitted while it was open") {
    TempDir dir("access");
    const auto file = dir.path() / "tokens";
    const auto alice = add_token(file, "alice");
    const auto config = dir.path() / "camstreamd.yaml";
    const std::string source = "source:\n  uri: testpattern\n  width: 320\n  height: 240\n  fps: 20\n";
    write_text(config, source + "access:\n  mode: open\n  tokens_file: " + file.string() + "\n");
    DaemonProcess daemon({}, {}, config.string());
    INFO("daemon log:\n" << daemon.log_tail());

    TestClient without_token(daemon.port()), with_token(daemon.port());
    REQUIRE(without_token.send_hello(0, ""));
    REQUIRE(with_token.send_hello(0, alice));
    std::vector<TestClient*> tcp_viewers{&without_token, &with_token};
    wait_for_hellos(tcp_viewers);
    REQUIRE(without_token.server_hello()->accepted());
    REQUIRE(with_token.server_hello()->accepted());
    HttpStreamViewer http_without(daemon.http_port());
    std::vector<HttpStreamViewer*> http_viewers{&http_without};
    pump_for(tcp_viewers, http_viewers, 1s);
    REQUIRE(http_without.response().has_value());
    REQUIRE(http_without.response()->status == 200);

    write_text(config, source + "access:\n  mode: tokens\n  tokens_file: " + file.string() + "\n");
    REQUIRE(daemon.send_signal(SIGHUP));
    pump_until(tcp_viewers, http_viewers, [&] { return without_token.ended() && http_without.ended(); }, 10s);
    pump_for(tcp_viewers, http_viewers, 1s);
    CAPTURE(without_token.summary());
    CAPTURE(with_token.summary());
    CAPTURE(http_without.summary());
    REQUIRE(without_token.goodbye().has_value());
    CHECK(without_token.goodbye()->reason == wire::Reason::unauthorized);
    CHECK(http_without.ended());
    CHECK(http_without.format_error().empty());
    // A token presented while the mode was open went unchecked, so that viewer
    // is ended too (docs/ACCESS.md): it comes back with its token checked.
    REQUIRE(with_token.goodbye().has_value());
    CHECK(with_token.goodbye()->reason == wire::Reason::unauthorized);
    TestClient back(daemon.port());
    CHECK(hello(back, alice).accepted());

    TestClient again(daemon.port());
    const auto reply = hello(again, "");
    CHECK(reply.status == wire::Reason::unauthorized);
    CHECK(contains(reply.reason_text, "a token is required"));
    check_log_holds_none(daemon, {alice});
    CHECK(daemon.stop().exited_with(0));
}
