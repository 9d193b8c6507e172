// LoadSettings: see load_settings.hpp.
#include "load_settings.hpp"

#include "wire.hpp"

#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>
#include <map>

namespace camstream::bench {
namespace {

std::optional<LoopbackAddress> loopback_target(const std::string& option, const std::string& text, int& exit_code) {
    std::string error;
    auto address = parse_loopback_target(text, error);
    if (!address) {
        std::cerr << "camstream-loadgen: " << option << ": " << error << "\n";
        exit_code = 2;
    }
    return address;
}

// Reads --credentials: one token or ticket per line; blank lines and lines
// starting with '#' are skipped, a trailing '\r' is dropped. Each must fit the
// hello's token field (wire::encode() would cut a longer one short, and the
// daemon would judge a different credential) and be printable ASCII without
// spaces, so it can stand in an HTTP header as it is.
bool read_credentials(const std::string& path, std::vector<std::string>& out, std::string& error) {
    std::ifstream in(path);
    if (!in) {
        error = "cannot read " + path;
        return false;
    }
    std::string line;
    for (std::size_t number = 1; std::getline(in, line); ++number) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty() || line.front() == '#') continue;
        const auto where = path + " line " + std::to_string(number);
        if (line.size() > wire::kMaxTokenLength) {
            error = where + ": " + std::to_string(line.size()) + " bytes, more than the hello's token field takes (" +
                    std::to_string(wire::kMaxTokenLength) + ", protocol/wire.hpp kMaxTokenLength)";
            return false;
        }
        for (const char c : line) {
            if (c <= ' ' || c > '~') {
                error = where + ": a credential is printable ASCII without spaces";
                return false;
            }
        }
        if (out.size() >= kMaxCredentials) {
            error = path + ": more than " + std::to_string(kMaxCredentials) + " credentials";
            return false;
        }
        out.push_back(std::move(line));
    }
    if (out.empty()) {
        error = path + ": no credentials in it";
        return false;
    }
    return true;
}

}  // namespace

std::string_view protocol_mix_name(ProtocolMix mix) {
    switch (mix) {
        case ProtocolMix::tcp: return "tcp";
        case ProtocolMix::http: return "http";
        case ProtocolMix::mixed: return "mixed";
    }
    return "?";
}

std::optional<LoadSettings> parse_load_settings(int argc, char** argv, int& exit_code) {
    CLI::App app{"camstream-loadgen: many simulated viewers against one loopback server; prints one JSON line"};
    LoadSettings settings;
    std::string target;
    std::string http_target;
    const std::map<std::string, ProtocolMix> protocols{
        {"tcp", ProtocolMix::tcp}, {"http", ProtocolMix::http}, {"mixed", ProtocolMix::mixed}};

    app.add_option("--target", target,
                   "the server's wire-protocol listener, loopback only: 127.0.0.1:PORT or [::1]:PORT "
                   "(needed by --protocol tcp and mixed)");
    app.add_option("--http-target", http_target,
                   "the server's HTTP listener, loopback only (needed by --protocol http and mixed)");
    app.add_option("--protocol", settings.protocols,
                   "what the viewers speak: tcp (wire protocol v1), http (GET /stream, multipart MJPEG) "
                   "or mixed (half each)")
        ->transform(CLI::CheckedTransformer(protocols, CLI::ignore_case))
        ->default_str("tcp");
    app.add_option("--viewers", settings.viewers, "viewers to keep connected (0 only beside --idle)")
        ->check(CLI::Range(0, kMaxViewers));
    app.add_option("--stalled", settings.stalled, "how many of the viewers stop reading after the handshake")
        ->check(CLI::Range(0, kMaxViewers));
    app.add_flag("--trickle", settings.trickle, "stalled viewers read a few hundred bytes per second");
    app.add_flag("--audio", settings.audio,
                 "TCP viewers ask for audio in their hello; the report counts their audio packets and gaps");
    app.add_option("--duration", settings.duration_s, "seconds the whole run lasts, at most 3600")
        ->check(CLI::Range(1.0, kMaxDurationSeconds));
    app.add_option("--warmup", settings.warmup_s, "seconds after connecting that rates leave out")
        ->check(CLI::Range(0.0, kMaxDurationSeconds));
    app.add_option("--daemon-pid", settings.daemon_pid, "server process to measure via /proc")
        ->check(CLI::PositiveNumber);
    app.add_option("--churn-rate", settings.churn_rate, "extra connects + disconnects per second")
        ->check(CLI::Range(0.0, kMaxChurnRate));
    app.add_option("--quiet-baseline", settings.quiet_baseline_s,
                   "with --churn-rate: measure the daemon's CPU this many seconds without churn after the "
                   "warm-up, then start the churn; the window opens 1 s later")
        ->check(CLI::Range(0.0, kMaxDurationSeconds));
    app.add_option("--source-fps", settings.source_fps, "source frame rate for fractions (default: announced)")
        ->check(CLI::NonNegativeNumber);
    app.add_option("--idle", settings.idle,
                   "connections that never send a hello, each replaced once the server has closed it")
        ->check(CLI::Range(0, kMaxIdle));
    app.add_option("--idle-rate", settings.idle_rate, "idle connections opened per second, at most")
        ->check(CLI::Range(0.1, kMaxIdleRate))
        ->capture_default_str();
    app.add_option("--credentials", settings.credentials_file,
                   "a file of tokens or tickets, one per line: steady viewer i presents line i mod N (TCP: in "
                   "the hello's token field; HTTP: Authorization: Bearer); churn connections cycle through "
                   "the lines after the steady viewers' (all lines if there are none)");
    std::string bind;
    app.add_option("--bind", bind, "local address every connection is made from, loopback only (e.g. 127.0.0.2)");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        exit_code = app.exit(error);
        return std::nullopt;
    }

    // Every address given passes the loopback check, used or not.
    if (!target.empty()) {
        settings.target = loopback_target("--target", target, exit_code);
        if (!settings.target) return std::nullopt;
    }
    if (!http_target.empty()) {
        settings.http_target = loopback_target("--http-target", http_target, exit_code);
        if (!settings.http_target) return std::nullopt;
    }
    const bool speaks_tcp = settings.protocols != ProtocolMix::http;
    const bool speaks_http = settings.protocols != ProtocolMix::tcp;
    if (speaks_tcp && target.empty()) {
        std::cerr << "camstream-loadgen: --protocol " << protocol_mix_name(settings.protocols) << " needs --target\n";
        exit_code = 1;
        return std::nullopt;
    }
    if (speaks_http && http_target.empty()) {
        std::cerr << "camstream-loadgen: --protocol " << protocol_mix_name(settings.protocols)
                  << " needs --http-target\n";
        exit_code = 1;
        return std::nullopt;
    }
    if (settings.protocols == ProtocolMix::http && settings.source_fps == 0) {
        // The wire protocol announces the source's rate; HTTP does not.
        std::cerr << "camstream-loadgen: --protocol http needs --source-fps (HTTP announces no frame rate)\n";
        exit_code = 1;
        return std::nullopt;
    }
    std::string error;
    if (!settings.credentials_file.empty() &&
        !read_credentials(settings.credentials_file, settings.credentials, error)) {
        std::cerr << "camstream-loadgen: --credentials: " << error << "\n";
        exit_code = 1;
        return std::nullopt;
    }
    if (!bind.empty()) {
        // Same rule as the target: a source address on this machine's loopback, or nothing.
        settings.bind = parse_loopback_host(bind, 0, error);
        if (!settings.bind) {
            std::cerr << "camstream-loadgen: --bind: " << error << "\n";
            exit_code = 2;
            return std::nullopt;
        }
        const auto family = settings.bind->storage.ss_family;
        if ((settings.target && settings.target->storage.ss_family != family) ||
            (settings.http_target && settings.http_target->storage.ss_family != family)) {
            std::cerr << "camstream-loadgen: --bind and the targets must all be IPv4 or all IPv6\n";
            exit_code = 1;
            return std::nullopt;
        }
    }
    if (settings.viewers == 0 && settings.idle == 0) {
        std::cerr << "camstream-loadgen: --viewers 0 needs --idle\n";
        exit_code = 1;
        return std::nullopt;
    }
    if (settings.stalled > settings.viewers) {
        std::cerr << "camstream-loadgen: --stalled must not exceed --viewers\n";
        exit_code = 1;
        return std::nullopt;
    }
    if (settings.warmup_s >= settings.duration_s) {
        std::cerr << "camstream-loadgen: --warmup must be shorter than --duration\n";
        exit_code = 1;
        return std::nullopt;
    }
    if (settings.quiet_baseline_s > 0 && settings.churn_rate == 0) {
        std::cerr << "camstream-loadgen: --quiet-baseline needs --churn-rate\n";
        exit_code = 1;
        return std::nullopt;
    }
    if (settings.quiet_baseline_s > 0 &&
        settings.warmup_s + settings.quiet_baseline_s + kChurnSettleSeconds >= settings.duration_s) {
        std::cerr << "camstream-loadgen: --warmup + --quiet-baseline + 1 s must be shorter than --duration\n";
        exit_code = 1;
        return std::nullopt;
    }
    return settings;
}

}  // namespace camstream::bench
