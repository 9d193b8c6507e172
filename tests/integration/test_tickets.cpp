// Integration: signed tickets (access.mode tickets: JWT, EdDSA over Ed25519)
// and the watch-time ledger (SQLite), as a shop, an operator and viewers meet
// them: tickets minted by a second, independent implementation
// (tests/support/mint_ticket.py, Debian's PyJWT) accepted over TCP and HTTP,
// and camstreamd's own `ticket keygen|mint|inspect|revoke` checked against it;
// every refusal reason over TCP (ServerHello reason 4 and its text) and HTTP
// (401, 403, 429); a live viewer cut off by revocation on SIGHUP and by its
// ticket expiring; a `minutes` budget held across a reconnect and a kill -9;
// 200 wrong tickets from one address rate-limited while a good viewer keeps
// its frame rate; and `camstreamd usage` matching what the viewers saw.
#include "support/access_client.hpp"
#include "support/camview_process.hpp"
#include "support/daemon_process.hpp"
#include "support/http_client.hpp"
#include "support/viewer_group.hpp"

#include <doctest/doctest.h>

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <thread>

#ifndef MINT_TICKET_PATH
#error "MINT_TICKET_PATH must name tests/support/mint_ticket.py"
#endif

using namespace camstream;
using namespace camstream::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

constexpr int kFps = 20;
// Debian's interpreter, where python3-jwt and python3-cryptography live (a
// python3 earlier in PATH, a pyenv or a venv, may lack them).
const std::string kPython = "/usr/bin/python3";
const std::string kMinter = MINT_TICKET_PATH;

bool contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }
bool starts_with(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }


std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// Wall-clock seconds since the Unix epoch, to compare with a ticket's exp.
double unix_now_precise() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

double seconds_between(Clock::time_point from, Clock::time_point to) {
    return std::chrono::duration<double>(to - from).count();
}

// --- base64url and the three parts of a ticket -----------------------------------

constexpr std::string_view kBase64url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string base64url_encode(std::string_view bytes) {
    std::string out;
    std::uint32_t bits = 0;
    int count = 0;
    for (const unsigned char byte : bytes) {
        bits = (bits << 8) | byte;
        count += 8;
        while (count >= 6) {
            count -= 6;
            out += kBase64url[(bits >> count) & 0x3F];
        }
    }
    if (count > 0) out += kBase64url[(bits << (6 - count)) & 0x3F];
    return out;
}

std::string base64url_decode(std::string_view text) {
    std::string out;
    std::uint32_t bits = 0;
    int count = 0;
    for (const char c : text) {
        const auto value = kBase64url.find(c);
        REQUIRE(value != std::string_view::npos);
        bits = (bits << 6) | static_cast<std::uint32_t>(value);
        count += 6;
        if (count >= 8) {
            count -= 8;
            out += static_cast<char>((bits >> count) & 0xFF);
        }
    }
    return out;
}

struct TicketParts {
    std::string header;  // each still base64url
    std::string claims;
    std::string signature;
};

TicketParts split_ticket(const std::string& ticket) {
    const auto first = ticket.find('.');
    const auto second = ticket.find('.', first + 1);
    REQUIRE(first != std::string::npos);
    REQUIRE(second != std::string::npos);
    REQUIRE(ticket.find('.', second + 1) == std::string::npos);
    return {ticket.substr(0, first), ticket.substr(first + 1, second - first - 1), ticket.substr(second + 1)};
}

// The ticket with its claims changed (`from` replaced by `to` in the JSON)
// and the original signature kept: what a viewer forging a longer pass sends.
std::string with_claims_edited(const std::string& ticket, const std::string& from, const std::string& to) {
    const auto parts = split_ticket(ticket);
    auto claims = base64url_decode(parts.claims);
    const auto at = claims.find(from);
    INFO("claims: " << claims);
    REQUIRE(at != std::string::npos);
    claims.replace(at, from.size(), to);
    return parts.header + "." + base64url_encode(claims) + "." + parts.signature;
}

// The ticket with one character of its signature changed (well inside it, so
// the encoding stays canonical).
std::string with_signature_flipped(const std::string& ticket) {
    auto parts = split_ticket(ticket);
    REQUIRE(parts.signature.size() > 20);
    auto& c = parts.signature[10];
    c = c == 'A' ? 'B' : 'A';
    return parts.header + "." + parts.claims + "." + parts.signature;
}

// The integer after "name": in a line of JSON (spaces allowed around the colon).
std::optional<std::int64_t> json_integer(std::string_view json, std::string_view name) {
    const auto key = "\"" + std::string(name) + "\"";
    auto at = json.find(key);
    if (at == std::string_view::npos) return std::nullopt;
    at += key.size();
    while (at < json.size() && (json[at] == ' ' || json[at] == ':')) ++at;
    std::size_t end = at;
    while (end < json.size() && (std::isdigit(static_cast<unsigned char>(json[end])) != 0 || json[end] == '-')) ++end;
    if (end == at) return std::nullopt;
    return std::stoll(std::string(json.substr(at, end - at)));
}

// --- the independent minter (tests/support/mint_ticket.py) -------------------------

struct Key {
    fs::path private_pem;
    std::string kid;
    std::string public_line;  // "KID ed25519:BASE64URL"
};

ProcessResult python_minter(const std::vector<std::string>& arguments) {
    std::vector<std::string> argv{kPython, kMinter};
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    return run_process(argv, 30s);
}

// A new key pair made by PyJWT's side (python3-cryptography); its public line
// is appended to `keys_file` when one is given.
Key python_keygen(const fs::path& dir, const std::string& kid, const fs::path& keys_file = {}) {
    Key key{dir / (kid + ".pem"), kid, {}};
    std::vector<std::string> arguments{"keygen", "--private", key.private_pem.string(), "--kid", kid};
    if (!keys_file.empty()) {
        arguments.push_back("--public");
        arguments.push_back(keys_file.string());
    }
    const auto result = python_minter(arguments);
    INFO("mint_ticket.py keygen: " << result.stdout_text << result.stderr_text);
    REQUIRE(result.status.exited_with(0));
    const auto lines = result.stdout_lines();
    REQUIRE(lines.size() == 1);
    key.public_line = lines.front();
    REQUIRE(starts_with(key.public_line, kid + " ed25519:"));
    return key;
}

// A ticket's claims, written as JSON for the minter: an hour's pass for
// alice unless changed. Strings are the tests' own (no escaping needed).
class Claims {
public:
    explicit Claims(std::string jti) : jti_(std::move(jti)) {}

    Claims& subject(std::string sub) { return set(sub_, std::move(sub)); }
    Claims& expires(std::int64_t exp) { return set(exp_, exp); }
    Claims& not_before(std::int64_t nbf) { return set(nbf_, nbf); }
    Claims& plan(std::string plan) { return set(plan_, std::move(plan)); }
    Claims& minutes(int minutes) { return set(plan_, std::string("minutes")).set(minutes_, minutes); }
    Claims& max_streams(int count) { return set(max_streams_, count); }
    // A raw JSON value: "\"front-door\"" or an array.
    Claims& audience(std::string json) { return set(aud_, std::move(json)); }

    // An empty jti, sub or plan is left out.
    std::string json() const {
        std::string out = "{";
        const auto add = [&](std::string_view name, const std::string& value) {
            if (out.size() > 1) out += ",";
            out += "\"" + std::string(name) + "\":" + value;
        };
        const auto quoted = [](const std::string& text) { return "\"" + text + "\""; };
        if (!jti_.empty()) add("jti", quoted(jti_));
        if (!sub_.empty()) add("sub", quoted(sub_));
        add("iat", std::to_string(unix_now()));
        add("exp", std::to_string(exp_ != 0 ? exp_ : unix_now() + 3600));
        if (nbf_) add("nbf", std::to_string(*nbf_));
        if (!plan_.empty()) add("plan", quoted(plan_));
        if (minutes_) add("minutes", std::to_string(*minutes_));
        if (max_streams_) add("max_streams", std::to_string(*max_streams_));
        if (!aud_.empty()) add("aud", aud_);
        return out + "}";
    }

private:
    template <typename Field, typename Value>
    Claims& set(Field& field, Value value) {
        field = std::move(value);
        return *this;
    }

    std::string jti_;
    std::string sub_ = "alice";
    std::int64_t exp_ = 0;  // 0: an hour from now
    std::optional<std::int64_t> nbf_;
    std::string plan_ = "pass";
    std::optional<int> minutes_;
    std::optional<int> max_streams_;
    std::string aud_;
};

// One ticket per entry of `claims`, minted by PyJWT in one run of the
// minter with these options (a key, a kid, an algorithm).
std::vector<std::string> python_mint_with(const std::vector<std::string>& options, const std::vector<Claims>& claims) {
    std::vector<std::string> arguments{"mint"};
    arguments.insert(arguments.end(), options.begin(), options.end());
    for (const auto& c : claims) {
        arguments.push_back("--claims");
        arguments.push_back(c.json());
    }
    const auto result = python_minter(arguments);
    INFO("mint_ticket.py mint: " << result.stderr_text);
    REQUIRE(result.status.exited_with(0));
    const auto tickets = result.stdout_lines();
    REQUIRE(tickets.size() == claims.size());
    for (const auto& ticket : tickets) REQUIRE(std::count(ticket.begin(), ticket.end(), '.') == 2);
    return tickets;
}

// Signed with `key`, its kid in the header.
std::vector<std::string> python_mint(const Key& key, const std::vector<Claims>& claims) {
    return python_mint_with({"--key", key.private_pem.string(), "--kid", key.kid}, claims);
}

std::string python_mint(const Key& key, const Claims& claims) {
    return python_mint(key, std::vector<Claims>{claims}).front();
}

// --- camstreamd --------------------------------------------------------------------


// The files of a ticketed camera in a fresh directory: a keys file trusting
// one key ("shop", made by the independent minter), a revocation list, a ledger.
struct TicketedCamera {
    TempDir dir{"tickets"};
    fs::path keys = dir.path() / "ticket-keys";
    fs::path revoked = dir.path() / "revoked-tickets";
    fs::path ledger = dir.path() / "ledger.sqlite";
    Key shop = python_keygen(dir.path(), "shop", keys);

    // A 320x240 test pattern at kFps with these files and access.mode `mode`.
    std::vector<std::string> settings(std::initializer_list<std::string> more = {},
                                      const std::string& mode = "tickets") const {
        std::vector<std::string> all{"source.width=320",
                                     "source.height=240",
                                     "source.fps=" + std::to_string(kFps),
                                     "access.mode=" + mode,
                                     "access.ticket_keys_file=" + keys.string(),
                                     "access.revoked_file=" + revoked.string(),
                                     "access.ledger=" + ledger.string()};
        all.insert(all.end(), more.begin(), more.end());
        return all;
    }
};

// A ticket is a credential: the daemon logs its id and subject, never the ticket.
void check_log_holds_no_ticket(const DaemonProcess& daemon, std::initializer_list<std::string> tickets) {
    const auto log = daemon.log_text();
    for (const auto& ticket : tickets) {
        CAPTURE(ticket);
        CHECK_FALSE(contains(log, ticket));
        if (std::count(ticket.begin(), ticket.end(), '.') == 2) {
            const auto signature = split_ticket(ticket).signature;
            if (signature.size() > 20) CHECK_FALSE(contains(log, signature));
        }
    }
}

// --- camstreamd usage --------------------------------------------------------------

using Row = std::map<std::string, std::string>;

struct Usage {
    std::vector<Row> subjects;
    std::vector<Row> tickets;
    std::vector<Row> sessions;
};

// `camstreamd usage --ledger LEDGER --format json MORE...`, read by Python's
// json module (a strict parser), flattened to one "table, row, field, value"
// line per field: strings as they are, null as "null", numbers as written.
Usage usage_json(const fs::path& ledger, const fs::path& scratch, const std::vector<std::string>& more = {}) {
    std::vector<std::string> arguments{"usage", "--ledger", ledger.string(), "--format", "json"};
    arguments.insert(arguments.end(), more.begin(), more.end());
    const auto result = run_camstreamd(arguments);
    INFO("camstreamd usage: " << result.stdout_text << result.stderr_text);
    REQUIRE(result.status.exited_with(0));
    const auto file = scratch / "usage.json";
    write_text(file, result.stdout_text);
    const std::string flatten = R"(
import json, sys
usage = json.load(open(sys.argv[1]))
for table in ("subjects", "tickets", "sessions"):
    for index, row in enumerate(usage[table]):
        for field, value in row.items():
            text = "null" if value is None else value if isinstance(value, str) else json.dumps(value)
            print(table, index, field, text, sep="\t")
)";
    const auto flat = run_process({kPython, "-c", flatten, file.string()}, 20s);
    INFO("python json: " << flat.stderr_text);
    REQUIRE(flat.status.exited_with(0));
    Usage usage;
    std::istringstream in(flat.stdout_text);
    for (std::string line; std::getline(in, line);) {
        std::istringstream fields(line);
        std::string table, index, field, value;
        std::getline(fields, table, '\t');
        std::getline(fields, index, '\t');
        std::getline(fields, field, '\t');
        std::getline(fields, value);
        auto& rows = table == "subjects" ? usage.subjects : table == "tickets" ? usage.tickets : usage.sessions;
        const auto at = static_cast<std::size_t>(std::stoul(index));
        if (rows.size() <= at) rows.resize(at + 1);
        rows[at][field] = value;
    }
    return usage;
}

// RFC 4180 as far as the export needs: commas, quotes doubled inside quotes.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> row;
    std::string field;
    bool quoted = false;
    bool any = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quoted) {
            if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
                field += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                field += c;
            }
            continue;
        }
        if (c == '"') {
            quoted = true;
            any = true;
        } else if (c == ',') {
            row.push_back(std::move(field));
            field.clear();
            any = true;
        } else if (c == '\n' || c == '\r') {
            if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
            if (any || !field.empty()) {
                row.push_back(std::move(field));
                rows.push_back(std::move(row));
            }
            row.clear();
            field.clear();
            any = false;
        } else {
            field += c;
            any = true;
        }
    }
    if (any || !field.empty()) {
        row.push_back(std::move(field));
        rows.push_back(std::move(row));
    }
    return rows;
}

std::vector<std::vector<std::string>> usage_csv(const fs::path& ledger, const std::vector<std::string>& more = {}) {
    std::vector<std::string> arguments{"usage", "--ledger", ledger.string(), "--format", "csv"};
    arguments.insert(arguments.end(), more.begin(), more.end());
    const auto result = run_camstreamd(arguments);
    INFO("camstreamd usage: " << result.stdout_text << result.stderr_text);
    REQUIRE(result.status.exited_with(0));
    return parse_csv(result.stdout_text);
}

const Row* find_row(const std::vector<Row>& rows, std::initializer_list<std::pair<std::string, std::string>> match) {
    for (const auto& row : rows) {
        const bool all = std::all_of(match.begin(), match.end(), [&](const auto& wanted) {
            const auto it = row.find(wanted.first);
            return it != row.end() && it->second == wanted.second;
        });
        if (all) return &row;
    }
    return nullptr;
}

double number(const Row& row, const std::string& field) {
    const auto it = row.find(field);
    INFO("field " << field);
    REQUIRE(it != row.end());
    return std::stod(it->second);
}

std::string field(const Row& row, const std::string& name) {
    const auto it = row.find(name);
    return it == row.end() ? std::string("<absent>") : it->second;
}

std::uint64_t payload_bytes(const std::vector<ReceivedFrame>& frames) {
    std::uint64_t total = 0;
    for (const auto& frame : frames) total += frame.payload_size;
    return total;
}

// Waits for the client's next frame, so that the caller can close right after
// it: at kFps the next one is 50 ms away, so nothing is in flight and the
// daemon's count of frames sent equals the client's count of frames received.
void wait_for_next_frame(TestClient& client) {
    REQUIRE(client.receive_frames(1, 5s));
}

void wait_for_next_frame(HttpStreamViewer& viewer) {
    const auto before = viewer.frames().size();
    HttpStreamViewer* one[] = {&viewer};
    REQUIRE(pump_until({}, one, [&] { return viewer.frames().size() > before || viewer.ended(); }, 5s));
    REQUIRE(viewer.frames().size() > before);
}

}  // namespace

TEST_CASE("tickets: a ticket minted by PyJWT, not by camstream, is accepted over TCP, as an HTTP Bearer and as ?ticket=") {
    TicketedCamera camera;
    // max_streams 0: no limit, since this one ticket watches several ways at once.
    const auto tickets = python_mint(camera.shop, {Claims("py-pass-1").subject("alice").max_streams(0),
                                                   Claims("py-expired").expires(unix_now() - 3600)});
    const auto& ticket = tickets[0];
    // No kid in the header: every trusted key is tried.
    const auto without_kid =
        python_mint_with({"--key", camera.shop.private_pem.string(), "--no-kid"}, {Claims("py-no-kid")}).front();
    REQUIRE_FALSE(contains(base64url_decode(split_ticket(without_kid).header), "kid"));
    // A key from `camstreamd ticket keygen`, used by PyJWT (its "# kid:" line
    // names the kid): the key file format is a standard PEM.
    const auto ours = camera.dir.path() / "ours.pem";
    const auto keygen = run_camstreamd({"ticket", "keygen", "--private", ours.string(), "--public", camera.keys.string(),
                                    "--kid", "ours"});
    INFO("ticket keygen: " << keygen.stdout_text << keygen.stderr_text);
    REQUIRE(keygen.status.exited_with(0));
    const auto with_our_key = python_mint_with({"--key", ours.string()}, {Claims("py-our-key")}).front();
    CHECK(contains(base64url_decode(split_ticket(with_our_key).header), "\"kid\":\"ours\""));

    DaemonProcess daemon(camera.settings());
    INFO("daemon log:\n" << daemon.log_tail());

    for (const auto& accepted : {ticket, without_kid, with_our_key}) {
        TestClient viewer(daemon.port());
        const auto reply = hello(viewer, accepted);
        CAPTURE(viewer.summary());
        REQUIRE(reply.accepted());
        CHECK(reply.info.width == 320);
        CHECK(viewer.receive_frames(10, 10s));
        CHECK(sequence_violations(viewer.frames()) == 0);
        CHECK(invalid_jpegs(viewer.frames()) == 0);
    }

    const auto port = daemon.http_port();
    REQUIRE(port != 0);
    {
        const auto snapshot = get(port, "/snapshot.jpg", bearer(ticket));
        CAPTURE(snapshot.head_text());
        CHECK(snapshot.status == 200);
        CHECK(snapshot.header("Content-Type") == "image/jpeg");
        const auto stream = get(port, "/stream", bearer(ticket));
        CAPTURE(stream.head_text());
        CHECK(stream.status == 200);
        CHECK(starts_with(stream.header("Content-Type").value_or(""), "multipart/x-mixed-replace"));
        // Either query name carries either credential.
        CHECK(get(port, "/snapshot.jpg?ticket=" + ticket).status == 200);
        CHECK(get(port, "/snapshot.jpg?token=" + ticket).status == 200);
    }
    for (const auto& target : {"/stream?ticket=" + ticket, "/stream?fps=10&ticket=" + without_kid}) {
        HttpStreamViewer::Options options;
        options.target = target;
        HttpStreamViewer viewer(port, options);
        HttpStreamViewer* one[] = {&viewer};
        pump_until({}, one, [&] { return viewer.frames().size() >= 10 || viewer.ended(); }, 10s);
        CAPTURE(viewer.summary());
        REQUIRE(viewer.response().has_value());
        CHECK(viewer.response()->status == 200);
        CHECK(viewer.frames().size() >= 10);
        CHECK(viewer.format_error().empty());
    }

    {  // camview, as a paying viewer runs it: --ticket @FILE, and a refusal's reason on exit
        const auto file = camera.dir.path() / "ticket.txt";
        write_text(file, ticket + "\n");
        const auto watched = run_camview(
            {"--headless", "--frames", "5", "--timeout", "15", "--ticket", "@" + file.string(),
             loopback_address(daemon.port())},
            30s);
        INFO("camview: " << watched.stdout_text << watched.stderr_text);
        CHECK(watched.status.exited_with(0));
        const auto refused = run_camview(
            {"--headless", "--frames", "5", "--timeout", "5", "--ticket", tickets[1], loopback_address(daemon.port())},
            30s);
        INFO("camview: " << refused.stdout_text << refused.stderr_text);
        CHECK_FALSE(refused.status.exited_with(0));
        CHECK(contains(refused.stdout_text + refused.stderr_text, "ticket expired"));
    }

    // The log names the ticket by its id and subject.
    CHECK(contains(daemon.log_text(), "ticket 'py-pass-1' (subject 'alice')"));
    check_log_holds_no_ticket(daemon, {ticket, without_kid, with_our_key, tickets[1]});
    CHECK(daemon.stop().exited_with(0));
}

TEST_CASE("tickets: camstreamd ticket keygen and mint make standard tickets that PyJWT verifies, and inspect --keys exits 1 on a tampered one") {
    TempDir dir("tickets");
    const auto private_key = dir.path() / "front-door.pem";
    const auto keys = dir.path() / "ticket-keys";

    const auto keygen = run_camstreamd({"ticket", "keygen", "--private", private_key.string(), "--public", keys.string(),
                                    "--kid", "front-door"});
    INFO("ticket keygen: " << keygen.stdout_text << keygen.stderr_text);
    REQUIRE(keygen.status.exited_with(0));
    const auto lines = keygen.stdout_lines();
    REQUIRE(lines.size() == 1);
    const auto public_line = lines.front();
    REQUIRE(starts_with(public_line, "front-door ed25519:"));
    const auto encoded_key = public_line.substr(std::string_view("front-door ed25519:").size());
    CHECK(encoded_key.size() == 43);  // 32 bytes, base64url, no padding
    CHECK(base64url_decode(encoded_key).size() == 32);
    CHECK(contains(read_file(keys), public_line + "\n"));
    CHECK((fs::status(private_key).permissions() & fs::perms::mask) == static_cast<fs::perms>(0600));
    CHECK((fs::status(keys).permissions() & fs::perms::mask) == static_cast<fs::perms>(0644));
    const auto pem = read_file(private_key);
    CHECK(starts_with(pem, "# kid: front-door\n"));
    CHECK(contains(pem, "-----BEGIN PRIVATE KEY-----"));
    CHECK_FALSE(contains(keygen.stdout_text, "PRIVATE"));
    // A private key is never overwritten.
    const auto again = run_camstreamd({"ticket", "keygen", "--private", private_key.string(), "--public", keys.string(),
                                   "--kid", "other"});
    CHECK_FALSE(again.status.exited_with(0));
    CHECK(read_file(private_key) == pem);
    CHECK_FALSE(contains(read_file(keys), "other "));
    // The default kid: key-YYYYMMDD.
    const auto dated = run_camstreamd({"ticket", "keygen", "--private", (dir.path() / "dated.pem").string(), "--public",
                                   (dir.path() / "dated-keys").string()});
    INFO("ticket keygen without --kid: " << dated.stdout_text << dated.stderr_text);
    CHECK(dated.status.exited_with(0));
    CHECK(starts_with(dated.stdout_text, "key-"));
    CHECK(dated.stdout_text.find(' ') == std::string_view("key-YYYYMMDD").size());

    // mint: one line on stdout, a JWT PyJWT verifies with the public line.
    const auto mint = [&](const std::vector<std::string>& more) {
        std::vector<std::string> arguments{"ticket", "mint", "--key", private_key.string()};
        arguments.insert(arguments.end(), more.begin(), more.end());
        const auto result = run_camstreamd(arguments);
        INFO("ticket mint: " << result.stdout_text << result.stderr_text);
        REQUIRE(result.status.exited_with(0));
        const auto printed = result.stdout_lines();
        REQUIRE(printed.size() == 1);
        REQUIRE(std::count(printed.front().begin(), printed.front().end(), '.') == 2);
        return printed.front();
    };
    // PyJWT's reading of a ticket ({"header": ..., "claims": ...}); exp and
    // nbf unchecked when `any_time`.
    const auto verified = [&](const std::string& ticket, bool any_time = false) {
        std::vector<std::string> arguments{"verify", "--public-line", public_line};
        if (any_time) arguments.push_back("--any-time");
        arguments.push_back(ticket);
        const auto result = python_minter(arguments);
        INFO("mint_ticket.py verify: " << result.stdout_text << result.stderr_text);
        REQUIRE(result.status.exited_with(0));
        return result.stdout_text;
    };

    const auto minted_at = unix_now();
    const auto pass = mint({"--subject", "alice", "--plan", "pass", "--expires", "+2h", "--id", "cli-pass-1",
                            "--max-streams", "2", "--max-fps", "5", "--audience", "front-door"});
    {
        const auto json = verified(pass);
        CAPTURE(json);
        CHECK(contains(json, "\"alg\": \"EdDSA\""));
        CHECK(contains(json, "\"kid\": \"front-door\""));
        CHECK(contains(json, "\"jti\": \"cli-pass-1\""));
        CHECK(contains(json, "\"sub\": \"alice\""));
        CHECK(contains(json, "\"plan\": \"pass\""));
        CHECK(json_integer(json, "max_streams") == 2);
        CHECK(json_integer(json, "max_fps") == 5);
        CHECK(contains(json, "\"front-door\""));  // aud, a string or an array
        const auto exp = json_integer(json, "exp");
        REQUIRE(exp.has_value());
        CHECK(*exp >= minted_at + 7200);
        CHECK(*exp <= unix_now() + 7200);
    }
    {  // every TIME form, and a minutes plan with its budget
        std::tm day{};
        day.tm_year = 2031 - 1900;
        day.tm_mon = 1;
        day.tm_mday = 3;
        const auto midnight = static_cast<std::int64_t>(timegm(&day));
        const auto minutes = mint({"--subject", "bob", "--plan", "minutes", "--minutes", "30", "--valid-from",
                                   "2031-02-03", "--expires", "2031-02-03T04:05:06Z"});
        const auto json = verified(minutes, true);
        CAPTURE(json);
        CHECK(contains(json, "\"plan\": \"minutes\""));
        CHECK(json_integer(json, "minutes") == 30);
        CHECK(json_integer(json, "nbf") == midnight);
        CHECK(json_integer(json, "exp") == midnight + 4 * 3600 + 5 * 60 + 6);
        const auto now = unix_now();
        const auto unix_form =
            mint({"--subject", "bob", "--plan", "pass", "--valid-from", "+1d", "--expires", "@1900000000"});
        const auto later = verified(unix_form, true);
        CAPTURE(later);
        CHECK(json_integer(later, "exp") == 1900000000);
        const auto nbf = json_integer(later, "nbf");
        REQUIRE(nbf.has_value());
        CHECK(*nbf >= now + 86400);
        CHECK(*nbf <= unix_now() + 86400);
        // The default id: 16 random hex characters.
        const auto jti_at = later.find("\"jti\": \"");
        REQUIRE(jti_at != std::string::npos);
        const auto jti = later.substr(jti_at + 8, later.find('"', jti_at + 8) - jti_at - 8);
        CHECK(jti.size() == 16);
        CHECK(std::all_of(jti.begin(), jti.end(), [](unsigned char c) { return std::isxdigit(c) != 0; }));
    }
    // A minutes plan without its minutes is refused.
    CHECK_FALSE(run_camstreamd({"ticket", "mint", "--key", private_key.string(), "--subject", "bob", "--plan", "minutes",
                            "--expires", "+1h"})
                    .status.exited_with(0));
    // A key made elsewhere (PyJWT's side, no "# kid:" line): with --kid the
    // ticket names it; without, it names no key and the camera tries every
    // key it trusts (docs/ACCESS.md).
    const auto shop = python_keygen(dir.path(), "shop", keys);
    const auto mint_with_shop_key = [&](const std::vector<std::string>& more) {
        std::vector<std::string> arguments{"ticket",  "mint",   "--key",   shop.private_pem.string(),
                                           "--subject", "bob", "--expires", "+1h",
                                           "--audience", "front-door"};
        arguments.insert(arguments.end(), more.begin(), more.end());
        const auto result = run_camstreamd(arguments);
        INFO("ticket mint with PyJWT's key: " << result.stdout_text << result.stderr_text);
        REQUIRE(result.status.exited_with(0));
        const auto ticket = result.stdout_lines().at(0);
        CHECK(python_minter({"verify", "--public-line", shop.public_line, ticket}).status.exited_with(0));
        return ticket;
    };
    const auto bob = mint_with_shop_key({"--kid", "shop"});
    CHECK(contains(base64url_decode(split_ticket(bob).header), "\"kid\":\"shop\""));
    const auto bob_without_kid = mint_with_shop_key({});
    CHECK_FALSE(contains(base64url_decode(split_ticket(bob_without_kid).header), "kid"));

    // inspect: header and claims; with --keys the verdict, exit 1 when not valid.
    const auto inspected = run_camstreamd({"ticket", "inspect", pass});
    INFO("ticket inspect: " << inspected.stdout_text << inspected.stderr_text);
    CHECK(inspected.status.exited_with(0));
    CHECK(contains(inspected.stdout_text, "cli-pass-1"));
    CHECK(contains(inspected.stdout_text, "EdDSA"));
    CHECK(contains(inspected.stdout_text, "alice"));
    const auto ticket_file = dir.path() / "pass.ticket";
    write_text(ticket_file, pass + "\n");
    const auto checked = run_camstreamd({"ticket", "inspect", "@" + ticket_file.string(), "--keys", keys.string()});
    INFO("ticket inspect --keys: " << checked.stdout_text << checked.stderr_text);
    CHECK(checked.status.exited_with(0));
    CHECK(contains(checked.stdout_text, "valid: yes (signed by key 'front-door')"));
    const auto tampered = with_claims_edited(pass, "alice", "mallory");
    for (const auto& bad : {tampered, with_signature_flipped(pass), std::string("a.b.c"), std::string("nonsense")}) {
        CAPTURE(bad);
        const auto refused = run_camstreamd({"ticket", "inspect", bad, "--keys", keys.string()});
        INFO("ticket inspect --keys: " << refused.stdout_text << refused.stderr_text);
        CHECK(refused.status.exited_with(1));
        CHECK_FALSE(contains(refused.stdout_text, "valid: yes"));
    }
    CHECK(contains(run_camstreamd({"ticket", "inspect", tampered, "--keys", keys.string()}).stdout_text,
                   "valid: no (ticket signature is not valid)"));
    // A keys file without the ticket's key: not valid either.
    const auto elsewhere = run_camstreamd({"ticket", "inspect", pass, "--keys", (dir.path() / "dated-keys").string()});
    INFO("ticket inspect --keys (another key): " << elsewhere.stdout_text << elsewhere.stderr_text);
    CHECK(elsewhere.status.exited_with(1));
    CHECK(contains(elsewhere.stdout_text, "valid: no (ticket is not signed by a trusted key)"));

    // The daemon takes what camstreamd minted, refuses the forgery.
    const auto ledger = dir.path() / "ledger.sqlite";
    const auto revoked = dir.path() / "revoked-tickets";
    DaemonProcess daemon({"source.width=320", "source.height=240", "source.fps=" + std::to_string(kFps),
                          "access.mode=tickets", "access.ticket_keys_file=" + keys.string(),
                          "access.revoked_file=" + revoked.string(), "access.ticket_audience=front-door",
                          "access.ledger=" + ledger.string(), "access.max_failures=1000"});
    INFO("daemon log:\n" << daemon.log_tail());
    {
        TestClient viewer(daemon.port());
        REQUIRE(hello(viewer, pass).accepted());
        CHECK(viewer.receive_frames(5, 10s));
    }
    CHECK(get(daemon.http_port(), "/snapshot.jpg", bearer(bob)).status == 200);
    CHECK(tcp_attempt(daemon.port(), bob_without_kid).accepted());
    {
        const auto reply = tcp_attempt(daemon.port(), tampered);
        CHECK(reply.status == wire::Reason::unauthorized);
        CHECK(contains(reply.reason_text, "ticket signature is not valid"));
    }

    // revoke appends the id; after SIGHUP the ticket is refused.
    const auto revoke = run_camstreamd({"ticket", "revoke", "cli-pass-1", "--revoked-file", revoked.string()});
    INFO("ticket revoke: " << revoke.stdout_text << revoke.stderr_text);
    CHECK(revoke.status.exited_with(0));
    // One id a line; anything after it is a comment.
    CHECK((contains(read_file(revoked), "cli-pass-1\n") || contains(read_file(revoked), "cli-pass-1 ")));
    REQUIRE(daemon.send_signal(SIGHUP));
    std::string last_reason;
    CHECK(wait_until(
        [&] {
            last_reason = tcp_attempt(daemon.port(), pass).reason_text;
            return contains(last_reason, "ticket was revoked");
        },
        10s, 200ms));
    CAPTURE(last_reason);
    check_log_holds_no_ticket(daemon, {pass, bob, bob_without_kid, tampered});
    CHECK(daemon.stop().exited_with(0));
}

namespace {

// A credential the daemon must refuse, and the reason text it must give.
struct Refusal {
    std::string what;
    std::string credential;
    std::string reason;
};

constexpr std::string_view kAudience = "front-door";

// The settings the refusal tests start the daemon with: an audience to check,
// a revoked ticket, and room for every attempt under access.max_failures.
std::vector<std::string> refusing_settings(const TicketedCamera& camera) {
    write_text(camera.revoked, "# refunds\nrevoked-1   # refunded on 2026-11-27\n");
    return camera.settings({"access.ticket_audience=" + std::string(kAudience), "access.max_failures=1000"});
}

// Every way a ticket can be wrong, minted against `camera`'s keys.
std::vector<Refusal> refusals(const TicketedCamera& camera) {
    const auto now = unix_now();
    const std::string aud = "\"" + std::string(kAudience) + "\"";
    const auto trusted = python_mint(
        camera.shop, {
                         Claims("good-1").audience(aud),
                         Claims("expired-1").expires(now - 120).audience(aud),
                         Claims("early-1").not_before(now + 600).audience(aud),
                         Claims("revoked-1").audience(aud),
                         Claims("elsewhere-1").audience("\"back-door\""),
                         Claims("elsewhere-2").audience("[\"back-door\",\"garden\"]"),
                         Claims("").audience(aud),                          // no id
                         Claims("no-plan").plan("").audience(aud),          // no plan
                         Claims("no-minutes").plan("minutes").audience(aud),  // no budget
                     });
    const auto intruder = python_keygen(camera.dir.path(), "intruder");
    const auto posing_as_shop = python_mint_with({"--key", intruder.private_pem.string(), "--kid", "shop"},
                                            {Claims("forged-1").audience(aud)});
    const auto own_kid = python_mint(intruder, Claims("forged-2").audience(aud));
    const auto no_kid = python_mint_with({"--key", intruder.private_pem.string(), "--no-kid"},
                                    {Claims("forged-3").audience(aud)});
    const auto unsigned_ticket = python_mint_with({"--alg", "none", "--kid", "shop"}, {Claims("none-1").audience(aud)});
    // The classic confusion: HMAC keyed with the public key, which anyone has.
    const auto hmac = python_mint_with({"--alg", "HS256", "--kid", "shop", "--secret", camera.shop.public_line},
                                  {Claims("hmac-1").audience(aud)});
    // Claims that are no JSON object, signed all the same by the trusted key:
    // the signature holds, what it signs does not parse.
    const auto signed_payload = [&](const std::string& payload) {
        const auto result = python_minter({"mint", "--key", camera.shop.private_pem.string(), "--kid", "shop",
                                           "--payload", payload});
        INFO("mint_ticket.py mint --payload: " << result.stderr_text);
        REQUIRE(result.status.exited_with(0));
        return result.stdout_lines().at(0);
    };
    const auto good = trusted[0];
    const auto fake_signature = std::string(86, 'A');
    return {
        {"no ticket", "", "a ticket is required"},
        {"three empty parts", "..", "ticket is malformed"},
        {"parts that are no base64url JSON", "a.b.c", "ticket is malformed"},
        {"signed claims that are no JSON", signed_payload("not json"), "ticket is malformed"},
        {"signed claims that are a JSON array", signed_payload("[\"jti\",\"sub\"]"), "ticket is malformed"},
        {"signed claims with exp a string",
         signed_payload(R"({"jti":"x","sub":"alice","exp":"tomorrow","plan":"pass"})"), "ticket is malformed"},
        {"a header that is no JSON", base64url_encode("{alg") + "." + split_ticket(good).claims + "." + fake_signature,
         "ticket is malformed"},
        {"claims changed after signing", with_claims_edited(good, "alice", "mallory"), "ticket signature is not valid"},
        {"a signature character changed", with_signature_flipped(good), "ticket signature is not valid"},
        {"signed by another key under the trusted kid", posing_as_shop[0], "ticket signature is not valid"},
        {"signed by a key the camera does not know", own_kid, "ticket is not signed by a trusted key"},
        {"no kid, no trusted key verifies", no_kid[0], "ticket is not signed by a trusted key"},
        {"alg none", unsigned_ticket[0], "ticket algorithm must be EdDSA"},
        {"alg HS256 keyed with the public key", hmac[0], "ticket algorithm must be EdDSA"},
        {"expired (past the 30 s leeway)", trusted[1], "ticket expired"},
        {"not valid yet (past the leeway)", trusted[2], "ticket is not valid yet"},
        {"revoked", trusted[3], "ticket was revoked"},
        {"for another camera", trusted[4], "ticket is for another camera"},
        {"for other cameras (aud array)", trusted[5], "ticket is for another camera"},
        // The spec names no reason for a missing claim; any refusal that names the ticket.
        {"no jti", trusted[6], "ticket"},
        {"no plan", trusted[7], "ticket"},
        {"plan minutes without minutes", trusted[8], "ticket"},
    };
}

}  // namespace

TEST_CASE("tickets: over TCP every wrong ticket is refused with status 4 and the reason that says which") {
    TicketedCamera camera;
    const auto settings = refusing_settings(camera);
    const auto cases = refusals(camera);
    const auto now = unix_now();
    const std::string aud = "\"" + std::string(kAudience) + "\"";
    const auto fine = python_mint(camera.shop,
                                  {
                                      Claims("good-1").audience(aud),
                                      Claims("aud-array").audience("[\"back-door\",\"front-door\"]"),
                                      Claims("leeway-exp").expires(now - 5).audience(aud),
                                      Claims("leeway-nbf").not_before(now + 5).audience(aud),
                                  });
    DaemonProcess daemon(settings);
    INFO("daemon log:\n" << daemon.log_tail());

    for (const auto& c : cases) {
        CAPTURE(c.what);
        CAPTURE(c.reason);
        TestClient viewer(daemon.port());
        const auto reply = hello(viewer, c.credential);
        CAPTURE(viewer.summary());
        CHECK(reply.status == wire::Reason::unauthorized);
        CHECK(contains(reply.reason_text, c.reason));
        if (c.credential.size() > 10) CHECK_FALSE(contains(reply.reason_text, c.credential));
        CHECK(viewer.read_until_closed(5s));
        CHECK(viewer.frames().empty());
    }
    {  // a token where only tickets are taken
        TestClient viewer(daemon.port());
        CHECK(hello(viewer, "NotATicketButATokenOfTheRightShape0123456789").status == wire::Reason::unauthorized);
    }
    // Within the leeway (30 s), a matching audience, an array holding it: accepted.
    for (std::size_t i = 1; i < fine.size(); ++i) {
        CAPTURE(i);
        TestClient viewer(daemon.port());
        const auto reply = hello(viewer, fine[i]);
        CAPTURE(viewer.summary());
        CHECK(reply.accepted());
    }

    // Over its max_streams (default 1): refused while the first watches, as
    // often as it is tried; admitted again once the first has gone.
    auto first = std::make_unique<TestClient>(daemon.port());
    REQUIRE(hello(*first, fine[0]).accepted());
    for (int attempt = 0; attempt < 3; ++attempt) {
        const auto reply = tcp_attempt(daemon.port(), fine[0]);
        CAPTURE(reply.reason_text);
        CHECK(reply.status == wire::Reason::unauthorized);
        CHECK(contains(reply.reason_text, "ticket 'good-1' already has 1 stream"));
        CHECK(contains(reply.reason_text, "its limit"));
    }
    first.reset();
    std::unique_ptr<TestClient> next;
    CHECK(wait_until(
        [&] {
            next = std::make_unique<TestClient>(daemon.port());
            return hello(*next, fine[0]).accepted();
        },
        5s, 100ms));

    // The log never holds a refused ticket.
    for (const auto& c : cases) {
        if (c.credential.size() > 20) check_log_holds_no_ticket(daemon, {c.credential});
    }
    CHECK(daemon.stop().exited_with(0));
}

TEST_CASE("tickets: over HTTP every wrong ticket is a 401 with a Bearer challenge and its reason, over max_streams a 403") {
    TicketedCamera camera;
    const auto settings = refusing_settings(camera);
    const auto cases = refusals(camera);
    const auto good = python_mint(camera.shop, Claims("good-1").audience("\"front-door\""));
    DaemonProcess daemon(settings);
    INFO("daemon log:\n" << daemon.log_tail());
    const auto port = daemon.http_port();
    REQUIRE(port != 0);

    for (const auto& c : cases) {
        CAPTURE(c.what);
        CAPTURE(c.reason);
        const auto by_header = get(port, "/snapshot.jpg", c.credential.empty() ? "" : bearer(c.credential));
        CAPTURE(by_header.head_text());
        CAPTURE(by_header.body);
        CHECK(by_header.status == 401);
        CHECK(starts_with(by_header.header("WWW-Authenticate").value_or(""), "Bearer realm=\"camstream\""));
        CHECK(contains(by_header.body, c.reason));
        if (c.credential.size() > 10) CHECK_FALSE(contains(by_header.body, c.credential));
        const auto by_query = get(port, "/stream?ticket=" + c.credential);
        CAPTURE(by_query.head_text());
        CHECK(by_query.status == 401);
        CHECK(contains(by_query.body, c.reason));
    }
    {  // longer than 1024 bytes: no ticket
        const auto padded = with_claims_edited(good, "\"sub\":\"alice\"", "\"sub\":\"alice\",\"pad\":\"" +
                                                                             std::string(1024, 'p') + "\"");
        CHECK(get(port, "/snapshot.jpg", bearer(padded)).status == 401);
    }

    // A right ticket over its max_streams (1) is no authentication problem: 403, no challenge.
    HttpStreamViewer::Options options;
    options.target = "/stream?ticket=" + good;
    HttpStreamViewer first(port, options);
    HttpStreamViewer* one[] = {&first};
    pump_until({}, one, [&] { return !first.frames().empty() || first.ended(); }, 10s);
    CAPTURE(first.summary());
    REQUIRE(first.response().has_value());
    REQUIRE(first.response()->status == 200);
    const auto second = get(port, "/stream", bearer(good));
    CAPTURE(second.head_text());
    CHECK(second.status == 403);
    CHECK_FALSE(second.header("WWW-Authenticate").has_value());
    CHECK(contains(second.body, "ticket 'good-1' already has 1 stream"));
    TestClient over_tcp(daemon.port());
    CHECK(hello(over_tcp, good).status == wire::Reason::unauthorized);
    // A snapshot is no stream.
    CHECK(get(port, "/snapshot.jpg?ticket=" + good).status == 200);

    check_log_holds_no_ticket(daemon, {good});
    CHECK(daemon.stop().exited_with(0));
}

TEST_CASE("tickets: with access.mode tokens+tickets either credential is taken, and none is refused naming both") {
    TicketedCamera camera;
    const auto tokens = camera.dir.path() / "tokens";
    const auto added = run_camstreamd({"token", "add", "door-panel", "--tokens-file", tokens.string()});
    REQUIRE(added.status.exited_with(0));
    const auto token = added.stdout_lines().at(0);
    const auto ticket = python_mint(camera.shop, Claims("both-1").subject("alice"));
    DaemonProcess daemon(camera.settings({"access.tokens_file=" + tokens.string()}, "tokens+tickets"));
    INFO("daemon log:\n" << daemon.log_tail());

    for (const auto& credential : {token, ticket}) {
        TestClient viewer(daemon.port());
        REQUIRE(hello(viewer, credential).accepted());
        CHECK(viewer.receive_frames(3, 10s));
        CHECK(get(daemon.http_port(), "/snapshot.jpg", bearer(credential)).status == 200);
    }
    const auto missing = tcp_attempt(daemon.port(), "");
    CHECK(missing.status == wire::Reason::unauthorized);
    CHECK(contains(missing.reason_text, "a token or ticket is required"));
    const auto missing_http = get(daemon.http_port(), "/snapshot.jpg");
    CHECK(missing_http.status == 401);
    CHECK(contains(missing_http.body, "a token or ticket is required"));
    const auto wrong_token = tcp_attempt(daemon.port(), std::string(43, 'x'));
    CHECK(contains(wrong_token.reason_text, "not valid"));
    const auto wrong_ticket = tcp_attempt(daemon.port(), with_claims_edited(ticket, "alice", "mallory"));
    CHECK(contains(wrong_ticket.reason_text, "ticket signature is not valid"));
    check_log_holds_no_ticket(daemon, {ticket, token});
    CHECK(daemon.stop().exited_with(0));
}

TEST_CASE("tickets: a ledger that cannot be opened stops a ticketed daemon at start, with access open it is a warning") {
    TicketedCamera camera;
    const auto unwritable = camera.dir.path() / "no-such-directory" / "ledger.sqlite";
    const auto refused = run_camstreamd({"--config", std::string(CAMSTREAM_SOURCE_DIR) + "/config/demo.yaml", "--set",
                                     "server.listen=127.0.0.1:0", "--set", "http.listen=127.0.0.1:0", "--set",
                                     "access.mode=tickets", "--set", "access.ticket_keys_file=" + camera.keys.string(),
                                     "--set", "access.ledger=" + unwritable.string()},
                                    10s);
    const auto said = refused.stdout_text + refused.stderr_text;
    INFO(said);
    CHECK_FALSE(refused.timed_out);
    CHECK(refused.status.exited_with(1));
    CHECK(contains(said, unwritable.string()));
    CHECK_FALSE(contains(said, "listening on"));

    DaemonProcess open({"access.mode=open", "access.ledger=" + unwritable.string()});
    INFO("daemon log:\n" << open.log_tail());
    CHECK(contains(open.log_text(), unwritable.string()));
    TestClient viewer(open.port());
    CHECK(hello(viewer, "").accepted());
    CHECK(open.stop().exited_with(0));
}

TEST_CASE("tickets: SIGHUP after ticket revoke or a key's removal cuts off those tickets' live viewers with GOODBYE 4 revoked") {
    TicketedCamera camera;
    const auto old_key = python_keygen(camera.dir.path(), "old-key", camera.keys);
    const auto shop_tickets = python_mint(camera.shop, {Claims("refund-me").subject("alice").max_streams(0),
                                                        Claims("keep-me").subject("bob")});
    const auto old_ticket = python_mint(old_key, Claims("old-key-1").subject("carol"));
    DaemonProcess daemon(camera.settings());
    INFO("daemon log:\n" << daemon.log_tail());

    TestClient alice_tcp(daemon.port()), bob_tcp(daemon.port()), carol_tcp(daemon.port());
    REQUIRE(alice_tcp.send_hello(0, shop_tickets[0]));
    REQUIRE(bob_tcp.send_hello(0, shop_tickets[1]));
    REQUIRE(carol_tcp.send_hello(0, old_ticket));
    std::vector<TestClient*> tcp_viewers{&alice_tcp, &bob_tcp, &carol_tcp};
    wait_for_hellos(tcp_viewers, 10s);
    for (const auto* viewer : tcp_viewers) {
        CAPTURE(viewer->summary());
        REQUIRE(viewer->server_hello()->accepted());
    }
    HttpStreamViewer::Options options;
    options.target = "/stream?ticket=" + shop_tickets[0];
    HttpStreamViewer alice_http(daemon.http_port(), options);
    std::vector<HttpStreamViewer*> http_viewers{&alice_http};
    pump_for(tcp_viewers, http_viewers, 1s);
    CAPTURE(alice_http.summary());
    REQUIRE(alice_http.response().has_value());
    REQUIRE(alice_http.response()->status == 200);
    REQUIRE_FALSE(alice_http.frames().empty());

    const auto revoke = run_camstreamd({"ticket", "revoke", "refund-me", "--revoked-file", camera.revoked.string()});
    INFO("ticket revoke: " << revoke.stdout_text << revoke.stderr_text);
    REQUIRE(revoke.status.exited_with(0));
    write_text(camera.keys, "# old-key retired\n" + camera.shop.public_line + "\n");
    const auto reload_at = Clock::now();
    REQUIRE(daemon.send_signal(SIGHUP));
    const bool cut = pump_until(
        tcp_viewers, http_viewers, [&] { return alice_tcp.ended() && alice_http.ended() && carol_tcp.ended(); }, 10s);
    const auto cut_after = seconds_between(reload_at, Clock::now());
    pump_for(tcp_viewers, http_viewers, 1s);
    const auto seconds_since = seconds_between(reload_at, Clock::now());
    CAPTURE(cut_after);
    CAPTURE(alice_tcp.summary());
    CAPTURE(carol_tcp.summary());
    CAPTURE(bob_tcp.summary());
    CAPTURE(alice_http.summary());
    CHECK(cut);

    REQUIRE(alice_tcp.goodbye().has_value());
    CHECK(alice_tcp.goodbye()->reason == wire::Reason::unauthorized);
    CHECK(contains(alice_tcp.goodbye()->text, "ticket 'refund-me' was revoked"));
    CHECK(alice_tcp.ending() == Ending::end_of_stream);
    REQUIRE(carol_tcp.goodbye().has_value());
    CHECK(carol_tcp.goodbye()->reason == wire::Reason::unauthorized);
    CHECK(contains(carol_tcp.goodbye()->text, "ticket 'old-key-1' was revoked"));
    CHECK(alice_http.ended());
    CHECK(alice_http.format_error().empty());
    CHECK(alice_http.at_part_boundary());
    // bob's ticket is untouched: his stream goes on at the source's rate.
    CHECK_FALSE(bob_tcp.ended());
    CHECK(bob_tcp.frames_between(reload_at, Clock::now()) >= static_cast<std::size_t>(0.8 * kFps * seconds_since));

    CHECK(contains(tcp_attempt(daemon.port(), shop_tickets[0]).reason_text, "ticket was revoked"));
    CHECK(contains(tcp_attempt(daemon.port(), old_ticket).reason_text, "ticket is not signed by a trusted key"));
    CHECK(get(daemon.http_port(), "/snapshot.jpg", bearer(shop_tickets[0])).status == 401);
    check_log_holds_no_ticket(daemon, {shop_tickets[0], shop_tickets[1], old_ticket});
    CHECK(daemon.stop().exited_with(0));
}

TEST_CASE("tickets: a ticket that expires mid-stream ends its viewers with 'ticket expired' within 2 s of its exp") {
    TicketedCamera camera;
    const auto long_ticket = python_mint(camera.shop, Claims("long-1").subject("bob"));
    DaemonProcess daemon(camera.settings({"access.clock_leeway=0s"}));
    INFO("daemon log:\n" << daemon.log_tail());

    // Minted once the daemon listens, so that all of its 3 s are left to watch.
    const auto exp = unix_now() + 3;
    const auto short_ticket = python_mint(camera.shop, Claims("short-1").expires(exp).max_streams(0));
    TestClient short_tcp(daemon.port()), long_tcp(daemon.port());
    REQUIRE(short_tcp.send_hello(0, short_ticket));
    REQUIRE(long_tcp.send_hello(0, long_ticket));
    std::vector<TestClient*> tcp_viewers{&short_tcp, &long_tcp};
    wait_for_hellos(tcp_viewers, 10s);
    REQUIRE(short_tcp.server_hello()->accepted());
    REQUIRE(long_tcp.server_hello()->accepted());
    HttpStreamViewer::Options options;
    options.target = "/stream?ticket=" + short_ticket;
    HttpStreamViewer short_http(daemon.http_port(), options);
    std::vector<HttpStreamViewer*> http_viewers{&short_http};

    // Steady time to wall time, for frames' arrival.
    const auto steady_origin = Clock::now();
    const auto wall_origin = unix_now_precise();
    const auto wall = [&](Clock::time_point at) { return wall_origin + seconds_between(steady_origin, at); };
    std::optional<double> tcp_ended_at, http_ended_at;
    // A hello in the second that exp names: RFC 7519 4.1.4 says a ticket is
    // not accepted on or after exp, and no leeway was given.
    std::optional<wire::ServerHello> hello_at_exp;
    pump_until(
        tcp_viewers, http_viewers,
        [&] {
            if (short_tcp.ended() && !tcp_ended_at) tcp_ended_at = unix_now_precise();
            if (short_http.ended() && !http_ended_at) http_ended_at = unix_now_precise();
            const auto now = unix_now_precise();
            if (!hello_at_exp && now >= static_cast<double>(exp) + 0.1 && now < static_cast<double>(exp) + 0.7) {
                hello_at_exp = tcp_attempt(daemon.port(), short_ticket);
            }
            return tcp_ended_at && http_ended_at && hello_at_exp;
        },
        10s);
    pump_for(tcp_viewers, http_viewers, 500ms);
    CAPTURE(exp);
    CAPTURE(short_tcp.summary());
    CAPTURE(short_http.summary());
    CAPTURE(long_tcp.summary());
    REQUIRE(tcp_ended_at.has_value());
    REQUIRE(http_ended_at.has_value());
    CAPTURE(*tcp_ended_at - static_cast<double>(exp));
    CAPTURE(*http_ended_at - static_cast<double>(exp));

    REQUIRE(short_tcp.goodbye().has_value());
    CHECK(short_tcp.goodbye()->reason == wire::Reason::unauthorized);
    CHECK(contains(short_tcp.goodbye()->text, "ticket expired"));
    // Not before exp (no leeway was given), and within 2 s after it.
    REQUIRE_FALSE(short_tcp.frames().empty());
    CHECK(wall(short_tcp.frames().back().received_at) >= static_cast<double>(exp) - 0.3);
    CHECK(*tcp_ended_at >= static_cast<double>(exp) - 0.05);
    CHECK(*tcp_ended_at <= static_cast<double>(exp) + 2.0);
    CHECK(short_http.format_error().empty());
    CHECK(short_http.at_part_boundary());
    REQUIRE_FALSE(short_http.frames().empty());
    CHECK(*http_ended_at >= static_cast<double>(exp) - 0.05);
    CHECK(*http_ended_at <= static_cast<double>(exp) + 2.0);
    // The pass that runs for an hour goes on.
    CHECK_FALSE(long_tcp.ended());
    CHECK(wall(long_tcp.frames().back().received_at) > *tcp_ended_at);

    REQUIRE(hello_at_exp.has_value());
    CHECK(hello_at_exp->status == wire::Reason::unauthorized);
    CHECK(contains(hello_at_exp->reason_text, "ticket expired"));
    const auto again = tcp_attempt(daemon.port(), short_ticket);
    CHECK(again.status == wire::Reason::unauthorized);
    CHECK(contains(again.reason_text, "ticket expired"));
    check_log_holds_no_ticket(daemon, {short_ticket, long_ticket});
    CHECK(daemon.stop().exited_with(0));
}

TEST_CASE("tickets: a minutes ticket's budget holds across a reconnect and a kill -9, and the viewer is cut off when 60 s are watched in all") {
    // minutes: 1 is the smallest budget a ticket can carry, so this case
    // watches a whole minute: 20 s, then 15 s until the daemon is killed,
    // then the rest after the restart.
    TicketedCamera camera;
    const auto ticket = python_mint(camera.shop, Claims("minutes-1").subject("alice").minutes(1));
    const auto settings = camera.settings({"access.ledger_flush=1s"});
    auto daemon = std::make_unique<DaemonProcess>(settings);
    INFO("daemon log:\n" << daemon->log_tail());

    const auto watch = [&](TestClient& viewer, Duration duration) {
        const auto from = *viewer.server_hello_at();
        TestClient* one[] = {&viewer};
        pump_until(one, [&] { return viewer.ended() || Clock::now() - from >= duration; }, duration + 5s);
        CAPTURE(viewer.summary());
        REQUIRE_FALSE(viewer.ended());
        CHECK(viewer.frames_between(from, Clock::now()) >=
              static_cast<std::size_t>(0.8 * kFps * std::chrono::duration<double>(duration).count()));
        return seconds_between(from, Clock::now());
    };

    // 1: watch 20 s, leave.
    double first = 0;
    {
        TestClient viewer(daemon->port());
        REQUIRE(hello(viewer, ticket).accepted());
        first = watch(viewer, 20s);
    }
    // 2: come back and watch 15 s, until the daemon is killed under the viewer.
    double second = 0;
    {
        TestClient viewer(daemon->port());
        REQUIRE(hello(viewer, ticket).accepted());
        second = watch(viewer, 15s);
        REQUIRE(daemon->send_signal(SIGKILL));
        const auto status = daemon->wait_for_exit(10s);
        REQUIRE(status.has_value());
        CHECK(status->signal == SIGKILL);
    }
    // 3: the daemon starts again on the same ledger; the viewer watches what is left.
    daemon = std::make_unique<DaemonProcess>(settings);
    TestClient viewer(daemon->port());
    REQUIRE(hello(viewer, ticket).accepted());
    const auto from = *viewer.server_hello_at();
    std::optional<Clock::time_point> cut_at;
    TestClient* one[] = {&viewer};
    pump_until(
        one,
        [&] {
            if (viewer.ended() && !cut_at) cut_at = Clock::now();
            return viewer.ended();
        },
        std::chrono::duration_cast<Duration>(std::chrono::duration<double>(60 - first - second + 10)));
    CAPTURE(first);
    CAPTURE(second);
    CAPTURE(viewer.summary());
    REQUIRE(cut_at.has_value());
    const auto third = seconds_between(from, *cut_at);
    const auto total = first + second + third;
    CAPTURE(third);
    CAPTURE(total);
    REQUIRE(viewer.goodbye().has_value());
    CHECK(viewer.goodbye()->reason == wire::Reason::unauthorized);
    CHECK(contains(viewer.goodbye()->text, "ticket has no watch time left"));
    // The budget is 60 s. The kill -9 may lose up to access.ledger_flush (1 s)
    // of the second visit, which the viewer then watches again; 2 s more for
    // the once-a-second check and the test's own timing.
    CHECK(total >= 60.0 - 2.0);
    CHECK(total <= 60.0 + 1.0 + 2.0);

    // Used up: refused at the hello, over TCP and HTTP.
    const auto again = tcp_attempt(daemon->port(), ticket);
    CHECK(again.status == wire::Reason::unauthorized);
    CHECK(contains(again.reason_text, "ticket has no watch time left"));
    const auto over_http = get(daemon->http_port(), "/stream?ticket=" + ticket);
    CHECK(over_http.status == 401);
    CHECK(contains(over_http.body, "ticket has no watch time left"));
    CHECK(daemon->stop().exited_with(0));

    // The ledger: three sessions; the one the kill -9 interrupted was closed
    // at the next start with what had been flushed.
    const auto usage = usage_json(camera.ledger, camera.dir.path());
    std::vector<Row> sessions;
    std::copy_if(usage.sessions.begin(), usage.sessions.end(), std::back_inserter(sessions),
                 [](const Row& row) { return field(row, "ticket_id") == "minutes-1"; });
    REQUIRE(sessions.size() == 3);
    std::sort(sessions.begin(), sessions.end(),
              [](const Row& a, const Row& b) { return field(a, "started") < field(b, "started"); });
    CHECK(std::abs(number(sessions[0], "seconds") - first) <= 1.0);
    CHECK(contains(field(sessions[1], "end_reason"), "daemon stopped unexpectedly"));
    CHECK(number(sessions[1], "seconds") >= second - 1.0 - 1.0);
    CHECK(number(sessions[1], "seconds") <= second + 1.0);
    CHECK(contains(field(sessions[2], "end_reason"), "no watch time left"));
    const auto* totals = find_row(usage.tickets, {{"ticket_id", "minutes-1"}});
    REQUIRE(totals != nullptr);
    CHECK(number(*totals, "seconds") >= 60.0 - 1.0);
    CHECK(number(*totals, "seconds") <= 60.0 + 2.0);
}

TEST_CASE("heavy: tickets: 200 wrong tickets from one address are rate-limited while a ticketed viewer on another keeps its frame rate") {
    TicketedCamera camera;
    const auto intruder = python_keygen(camera.dir.path(), "intruder");
    std::vector<Claims> forged_claims;
    for (int i = 0; i < 200; ++i) forged_claims.push_back(Claims("forged-" + std::to_string(i)).subject("mallory"));
    // Signed by the intruder's key under the shop's kid: each one's signature fails.
    const auto forged = python_mint_with({"--key", intruder.private_pem.string(), "--kid", "shop"}, forged_claims);
    const auto right = python_mint(camera.shop, Claims("good-viewer").max_streams(3));
    DaemonProcess daemon(camera.settings());
    INFO("daemon log:\n" << daemon.log_tail());

    TestClient good(daemon.port());
    REQUIRE(hello(good, right).accepted());
    std::vector<TestClient*> good_list{&good};
    pump_for(good_list, 1s);

    struct Reply {
        wire::Reason status = wire::Reason::none;
        std::string text;
    };
    std::vector<Reply> replies;
    std::optional<Reply> right_after;
    std::optional<HttpResponse> http_right_after;
    std::string worker_error;
    std::atomic<bool> finished{false};
    const auto from = Clock::now();
    std::thread worker([&] {
        try {
            for (const auto& ticket : forged) {
                TestClient client(daemon.port(), from_address("127.0.0.2"));
                if (!client.send_hello(0, ticket)) throw std::runtime_error("127.0.0.2 could not send its hello");
                TestClient* one[] = {&client};
                wait_for_hellos(one, 10s);
                replies.push_back({client.server_hello()->status, client.server_hello()->reason_text});
            }
            TestClient client(daemon.port(), from_address("127.0.0.2"));
            if (!client.send_hello(0, right)) throw std::runtime_error("127.0.0.2 could not send its hello");
            TestClient* one[] = {&client};
            wait_for_hellos(one, 10s);
            right_after = Reply{client.server_hello()->status, client.server_hello()->reason_text};
            http_right_after = try_get(daemon.http_port(), "/snapshot.jpg", bearer(right), "127.0.0.2");
        } catch (const std::exception& error) {
            worker_error = error.what();
        }
        finished = true;
    });
    pump_until(good_list, [&] { return finished.load(); }, 60s);
    worker.join();
    // At least 3 s of measurement, even if the attempts were quicker.
    pump_until(good_list, [&] { return Clock::now() - from >= 3s; }, 5s);
    const auto to = Clock::now();
    REQUIRE(worker_error.empty());

    // access.max_failures (10) are told why; every attempt after that, the
    // right ticket too, "too many failed attempts" with a wait within the minute.
    REQUIRE(replies.size() == 200);
    for (std::size_t i = 0; i < replies.size(); ++i) {
        CAPTURE(i);
        CAPTURE(replies[i].text);
        CHECK(replies[i].status == wire::Reason::unauthorized);
        if (i < 10) {
            CHECK(contains(replies[i].text, "ticket signature is not valid"));
            continue;
        }
        const std::string_view prefix = "too many failed attempts from this address; try again in ";
        const auto at = replies[i].text.find(prefix);
        REQUIRE(at != std::string::npos);
        const auto wait = std::stoi(replies[i].text.substr(at + prefix.size()));
        CHECK(wait >= 1);
        CHECK(wait <= 60);
    }
    REQUIRE(right_after.has_value());
    CHECK(right_after->status == wire::Reason::unauthorized);
    CHECK(contains(right_after->text, "too many failed attempts"));
    REQUIRE(http_right_after.has_value());
    CAPTURE(http_right_after->head_text());
    CHECK(http_right_after->status == 429);
    CHECK(http_right_after->header("Retry-After").has_value());

    // The good viewer on 127.0.0.1 kept the frame rate throughout.
    const double seconds = seconds_between(from, to);
    CAPTURE(seconds);
    CAPTURE(good.summary());
    CHECK_FALSE(good.ended());
    CHECK(good.frames_between(from, to) >= static_cast<std::size_t>(0.9 * kFps * seconds));
    CHECK(sequence_violations(good.frames()) == 0);
    // And 127.0.0.1 still gets in.
    TestClient another(daemon.port());
    CHECK(hello(another, right).accepted());
    CHECK(get(daemon.http_port(), "/snapshot.jpg", bearer(right)).status == 200);
    check_log_holds_no_ticket(daemon, {right, forged[0], forged[9], forged[10], forged[199]});
    CHECK(daemon.stop().exited_with(0));
}

TEST_CASE("tickets: camstreamd usage after a SIGTERM matches what the viewers saw: seconds within 1 s, frames exactly, totals are sums") {
    TicketedCamera camera;
    const auto tickets = python_mint(camera.shop, {Claims("usage-alice-1").subject("alice").max_streams(2),
                                                   Claims("usage-alice-2").subject("alice"),
                                                   Claims("usage-bob-1").subject("bob")});
    DaemonProcess daemon(camera.settings());
    INFO("daemon log:\n" << daemon.log_tail());
    const auto http_port = daemon.http_port();
    REQUIRE(http_port != 0);
    const auto stream_options = [](const std::string& ticket) {
        HttpStreamViewer::Options options;
        options.target = "/stream?ticket=" + ticket;
        return options;
    };

    // What each viewer saw, to hold the export against.
    struct Seen {
        std::string ticket, subject, protocol;
        double seconds = 0;
        std::size_t frames = 0;
        std::uint64_t payload_bytes = 0;
        std::uint64_t received_bytes = 0;
        bool until_shutdown = false;
    };
    std::vector<Seen> seen;

    // alice watches with her first ticket over TCP and HTTP, and with her
    // second over TCP; bob over HTTP. alice's TCP viewer of the first and bob
    // leave by themselves, the other two stay until the daemon stops.
    auto a_tcp = std::make_unique<TestClient>(daemon.port());
    REQUIRE(hello(*a_tcp, tickets[0]).accepted());
    TestClient b_tcp(daemon.port());
    REQUIRE(hello(b_tcp, tickets[1]).accepted());
    const auto a_http_from = Clock::now();
    HttpStreamViewer a_http(http_port, stream_options(tickets[0]));
    const auto c_http_from = Clock::now();
    auto c_http = std::make_unique<HttpStreamViewer>(http_port, stream_options(tickets[2]));
    {
        std::vector<TestClient*> tcp{a_tcp.get(), &b_tcp};
        std::vector<HttpStreamViewer*> http{&a_http, c_http.get()};
        pump_for(tcp, http, 2500ms);
        for (const auto* viewer : http) {
            CAPTURE(viewer->summary());
            REQUIRE(viewer->response().has_value());
            REQUIRE(viewer->response()->status == 200);
        }
    }
    wait_for_next_frame(*c_http);
    seen.push_back({"usage-bob-1", "bob", "http", seconds_between(c_http_from, Clock::now()), c_http->frames().size(),
                    payload_bytes(c_http->frames()), c_http->bytes_received(), false});
    c_http.reset();
    {
        std::vector<TestClient*> tcp{a_tcp.get(), &b_tcp};
        std::vector<HttpStreamViewer*> http{&a_http};
        pump_for(tcp, http, 500ms);
    }
    wait_for_next_frame(*a_tcp);
    seen.push_back({"usage-alice-1", "alice", "tcp", seconds_between(*a_tcp->server_hello_at(), Clock::now()),
                    a_tcp->frames().size(), payload_bytes(a_tcp->frames()), a_tcp->bytes_received(), false});
    a_tcp.reset();
    std::vector<TestClient*> tcp{&b_tcp};
    std::vector<HttpStreamViewer*> http{&a_http};
    pump_for(tcp, http, 1500ms);

    // SIGTERM: the two left are ended "shutting_down", and read to the end.
    REQUIRE(daemon.send_signal(SIGTERM));
    std::optional<Clock::time_point> b_end, a_http_end;
    pump_until(
        tcp, http,
        [&] {
            if (b_tcp.ended() && !b_end) b_end = Clock::now();
            if (a_http.ended() && !a_http_end) a_http_end = Clock::now();
            return b_end && a_http_end;
        },
        10s);
    const auto status = daemon.wait_for_exit(10s);
    REQUIRE(status.has_value());
    CHECK(status->exited_with(0));
    CAPTURE(b_tcp.summary());
    CAPTURE(a_http.summary());
    REQUIRE(b_end.has_value());
    REQUIRE(a_http_end.has_value());
    CHECK(a_http.format_error().empty());
    seen.push_back({"usage-alice-2", "alice", "tcp", seconds_between(*b_tcp.server_hello_at(), *b_end),
                    b_tcp.frames().size(), payload_bytes(b_tcp.frames()), b_tcp.bytes_received(), true});
    seen.push_back({"usage-alice-1", "alice", "http", seconds_between(a_http_from, *a_http_end),
                    a_http.frames().size(), payload_bytes(a_http.frames()), a_http.bytes_received(), true});

    const auto usage = usage_json(camera.ledger, camera.dir.path());
    REQUIRE(usage.sessions.size() == 4);
    const auto lowercase = [](std::string text) {
        std::transform(text.begin(), text.end(), text.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        return text;
    };
    const auto is_iso_utc = [](const std::string& time) {
        return time.size() >= 20 && time[4] == '-' && time[10] == 'T' &&
               (time.back() == 'Z' || time.substr(time.size() - 6) == "+00:00");
    };
    for (const auto& s : seen) {
        CAPTURE(s.ticket);
        CAPTURE(s.protocol);
        const Row* row = nullptr;
        for (const auto& candidate : usage.sessions) {
            if (field(candidate, "ticket_id") == s.ticket && lowercase(field(candidate, "protocol")) == s.protocol) {
                row = &candidate;
            }
        }
        REQUIRE(row != nullptr);
        CHECK(field(*row, "kind") == "ticket");
        CHECK(field(*row, "viewer") == s.subject);
        CHECK(contains(field(*row, "address"), "127.0.0.1"));
        CHECK(is_iso_utc(field(*row, "started")));
        CHECK(is_iso_utc(field(*row, "ended")));
        CAPTURE(s.seconds);
        CHECK(std::abs(number(*row, "seconds") - s.seconds) <= 1.0);
        CHECK(static_cast<std::size_t>(number(*row, "frames")) == s.frames);
        const auto bytes = static_cast<std::uint64_t>(number(*row, "bytes"));
        CAPTURE(bytes);
        CAPTURE(s.payload_bytes);
        CAPTURE(s.received_bytes);
        CHECK(bytes >= s.payload_bytes);
        CHECK(bytes <= s.received_bytes);
        const auto reason = field(*row, "end_reason");
        CAPTURE(reason);
        CHECK_FALSE(reason.empty());
        CHECK(reason != "null");
        // The reason code, and perhaps words after it.
        if (s.until_shutdown) CHECK(starts_with(reason, "shutting_down"));
    }
    // Totals per ticket and per subject are the sums of their sessions.
    const auto check_totals = [&](const std::vector<Row>& totals, const std::string& key, const std::string& value,
                                  const std::string& session_key, std::size_t sessions) {
        CAPTURE(key);
        CAPTURE(value);
        const auto* total = find_row(totals, {{key, value}});
        REQUIRE(total != nullptr);
        double seconds = 0;
        double frames = 0;
        double bytes = 0;
        std::size_t count = 0;
        for (const auto& row : usage.sessions) {
            if (field(row, session_key) != value) continue;
            seconds += number(row, "seconds");
            frames += number(row, "frames");
            bytes += number(row, "bytes");
            ++count;
        }
        CHECK(count == sessions);
        CHECK(number(*total, "sessions") == static_cast<double>(sessions));
        CHECK(std::abs(number(*total, "seconds") - seconds) <= 0.0015 * static_cast<double>(sessions));
        CHECK(number(*total, "frames") == frames);
        CHECK(number(*total, "bytes") == bytes);
    };
    REQUIRE(usage.tickets.size() == 3);
    check_totals(usage.tickets, "ticket_id", "usage-alice-1", "ticket_id", 2);
    check_totals(usage.tickets, "ticket_id", "usage-alice-2", "ticket_id", 1);
    check_totals(usage.tickets, "ticket_id", "usage-bob-1", "ticket_id", 1);
    CHECK(field(*find_row(usage.tickets, {{"ticket_id", "usage-alice-2"}}), "subject") == "alice");
    REQUIRE(usage.subjects.size() == 2);
    check_totals(usage.subjects, "subject", "alice", "viewer", 3);
    check_totals(usage.subjects, "subject", "bob", "viewer", 1);

    // --subject keeps one viewer's rows.
    const auto bob_only = usage_json(camera.ledger, camera.dir.path(), {"--subject", "bob"});
    CHECK(bob_only.subjects.size() == 1);
    CHECK(bob_only.tickets.size() == 1);
    REQUIRE(bob_only.sessions.size() == 1);
    CHECK(field(bob_only.sessions[0], "viewer") == "bob");

    // CSV: a header row of the same field names, then the same numbers.
    const auto sessions_csv = usage_csv(camera.ledger);
    REQUIRE(sessions_csv.size() == 5);
    const std::vector<std::string> session_header{"id",      "viewer", "kind",    "ticket_id", "protocol",
                                                  "address", "started", "ended",  "seconds",   "frames",
                                                  "bytes",   "end_reason"};
    CHECK(sessions_csv[0] == session_header);
    for (std::size_t i = 1; i < sessions_csv.size(); ++i) {
        const auto& line = sessions_csv[i];
        REQUIRE(line.size() == session_header.size());
        const auto* row = find_row(usage.sessions, {{"id", line[0]}});
        REQUIRE(row != nullptr);
        CHECK(line[3] == field(*row, "ticket_id"));
        CHECK(line[9] == field(*row, "frames"));
        CHECK(std::abs(std::stod(line[8]) - number(*row, "seconds")) < 0.001);
        CHECK(line[11] == field(*row, "end_reason"));
    }
    const auto by_ticket = usage_csv(camera.ledger, {"--by", "ticket"});
    REQUIRE(by_ticket.size() == 4);
    CHECK(by_ticket[0] == std::vector<std::string>{"ticket_id", "subject", "sessions", "seconds", "frames", "bytes"});
    const auto by_subject = usage_csv(camera.ledger, {"--by", "subject"});
    REQUIRE(by_subject.size() == 3);
    CHECK(by_subject[0] == std::vector<std::string>{"subject", "sessions", "seconds", "frames", "bytes"});
}
