// The table of configuration keys (see schema.hpp). Each row names its field
// of Settings by member pointers; the row factories below turn those into the
// functions that read, print and compare it, so a key is declared only here.
#include "config/schema.hpp"

#include "audio/audio_source_uri.hpp"
#include "capture/source_uri.hpp"
#include "config/did_you_mean.hpp"
#include "config/value_grammar.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <sstream>
#include <type_traits>

namespace camstream {
namespace {

using namespace std::chrono_literals;

template <auto Section, auto Field>
auto& field(Settings& settings) {
    return (settings.*Section).*Field;
}

template <auto Section, auto Field>
const auto& field(const Settings& settings) {
    return (settings.*Section).*Field;
}

template <auto Section, auto Field>
using FieldType = std::remove_cvref_t<decltype(field<Section, Field>(std::declval<const Settings&>()))>;

template <auto Section, auto Field>
bool same_field(const Settings& a, const Settings& b) {
    return field<Section, Field>(a) == field<Section, Field>(b);
}

std::string quoted_path(const ConfigKey& row) {
    // Appended, not "'" + path: GCC 12 at -O3 warns falsely (-Wrestrict, its bug 105329) on the latter.
    std::string quoted(1, '\'');
    quoted += row.path();
    quoted += '\'';
    return quoted;
}

// --- the grammars: each stores a valid value, or returns why it refused the text

std::optional<std::string> read_integer(const ConfigKey& row, std::string_view text, long long& out) {
    long long value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size()) {
        return quoted_path(row) + " must be an integer, got '" + std::string(text) + "'";
    }
    const auto min = static_cast<long long>(row.min);
    const auto max = static_cast<long long>(row.max);
    if (value < min || value > max) {
        return quoted_path(row) + " is " + std::string(text) + ", must be between " + std::to_string(min) +
               " and " + std::to_string(max);
    }
    out = value;
    return std::nullopt;
}

std::optional<std::string> read_number(const ConfigKey& row, std::string_view text, double& out) {
    double value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(value)) {
        return quoted_path(row) + " must be a number, got '" + std::string(text) + "'";
    }
    if (value < row.min || value > row.max) {
        std::ostringstream range;
        range << quoted_path(row) << " is " << text << ", must be between " << row.min << " and " << row.max;
        return range.str();
    }
    out = value;
    return std::nullopt;
}

std::optional<std::string> read_duration(const ConfigKey& row, std::string_view text, Duration& out) {
    const auto value = parse_duration(text);
    if (!value) {
        return quoted_path(row) + " must be a duration such as 500ms, 10s or 2m, got '" + std::string(text) + "'";
    }
    const auto min = static_cast<Duration::rep>(row.min);
    const auto max = static_cast<Duration::rep>(row.max);
    if (value->count() < min || value->count() > max) {
        return quoted_path(row) + " is " + std::string(text) + ", must be between " + std::to_string(min) +
               "ms and " + std::to_string(max) + "ms";
    }
    out = *value;
    return std::nullopt;
}

std::optional<std::string> read_byte_size(const ConfigKey& row, std::string_view text, std::size_t& out) {
    const auto value = parse_byte_size(text);
    if (!value) {
        return quoted_path(row) + " must be a size such as 65536, 512KiB or 4MiB, got '" + std::string(text) + "'";
    }
    const auto min = static_cast<std::size_t>(row.min);
    const auto max = static_cast<std::size_t>(row.max);
    if (*value < min || *value > max) {
        return quoted_path(row) + " is " + std::string(text) + ", must be between " + std::to_string(min) +
               " and " + std::to_string(max) + " bytes";
    }
    out = *value;
    return std::nullopt;
}

std::optional<std::string> read_boolean(const ConfigKey& row, std::string_view text, bool& out) {
    // YAML 1.2's core schema: true or false, nothing yaml-cpp's 1.1 habits also take (yes, on, y).
    if (text == "true" || text == "false") {
        out = text == "true";
        return std::nullopt;
    }
    return quoted_path(row) + " must be true or false, got '" + std::string(text) + "'";
}

// Strings, choices, listen addresses and (audio) sources are all stored as written.
std::optional<std::string> read_text(const ConfigKey& row, std::string_view text, std::string& out) {
    if (row.kind == ValueKind::choice) {
        if (std::find(row.choices.begin(), row.choices.end(), text) == row.choices.end()) {
            return quoted_path(row) + " is '" + std::string(text) + "'" + did_you_mean(text, row.choices) +
                   "; expected one of: " + join(row.choices);
        }
    } else if (text.empty()) {
        if (row.kind == ValueKind::string) {  // plain text: empty turns the feature off
            out.clear();
            return std::nullopt;
        }
        return quoted_path(row) + " must not be empty";
    } else if (row.kind == ValueKind::listen_address && !parse_listen_address(text)) {
        return quoted_path(row) + " is '" + std::string(text) +
               "'; expected HOST:PORT such as 0.0.0.0:10050 or [::1]:10050";
    } else if (row.kind == ValueKind::source_uri) {
        std::string error;
        if (!parse_source_uri(text, error)) return quoted_path(row) + " is '" + std::string(text) + "'; " + error;
    } else if (row.kind == ValueKind::audio_source) {
        std::string error;
        if (!parse_audio_source_uri(text, error)) {
            return quoted_path(row) + " is '" + std::string(text) + "'; " + error;
        }
    }
    out = std::string(text);
    return std::nullopt;
}

// --- binding a grammar to a field ---------------------------------------------

// Integer and byte-size fields may be int or std::size_t; the grammar reads the
// widest type and the bounds guarantee the value fits.
template <auto Section, auto Field, ValueKind Kind>
std::optional<std::string> assign_field(const ConfigKey& row, std::string_view text, Settings& settings) {
    auto& out = field<Section, Field>(settings);
    using T = FieldType<Section, Field>;
    // Before any grammar, which could read only the part before a NUL; this
    // also keeps control characters out of the messages below, which echo text.
    if (const auto at = find_control_character(text)) {
        return quoted_path(row) + " contains the control character " + printable(text.substr(*at, 1)) +
               " (character " + std::to_string(*at + 1) + " of the value); no setting may contain control characters";
    }
    std::optional<std::string> error;
    if constexpr (Kind == ValueKind::integer) {
        long long value = 0;
        error = read_integer(row, text, value);
        if (!error) out = static_cast<T>(value);
    } else if constexpr (Kind == ValueKind::byte_size) {
        std::size_t value = 0;
        error = read_byte_size(row, text, value);
        if (!error) out = static_cast<T>(value);
    } else if constexpr (Kind == ValueKind::number) {
        error = read_number(row, text, out);
    } else if constexpr (Kind == ValueKind::duration) {
        error = read_duration(row, text, out);
    } else if constexpr (Kind == ValueKind::boolean) {
        error = read_boolean(row, text, out);
    } else {
        error = read_text(row, text, out);
    }
    return error;
}

template <auto Section, auto Field, ValueKind Kind>
std::string format_field(const Settings& settings) {
    const auto& value = field<Section, Field>(settings);
    if constexpr (Kind == ValueKind::integer) {
        return std::to_string(value);
    } else if constexpr (Kind == ValueKind::byte_size) {
        return format_byte_size(value);
    } else if constexpr (Kind == ValueKind::number) {
        // The shortest text that reads back as the same double: 0.1, not 0.10000000000000001.
        std::array<char, 32> text{};
        const auto [end, ec] = std::to_chars(text.data(), text.data() + text.size(), value);
        return std::string(text.data(), end);
    } else if constexpr (Kind == ValueKind::duration) {
        return format_duration(value);
    } else if constexpr (Kind == ValueKind::boolean) {
        return value ? "true" : "false";
    } else {
        return value;
    }
}

template <auto Section, auto Field, ValueKind Kind, class Bound = double>
constexpr ConfigKey make_key(std::string_view section, std::string_view key, Bound min, Bound max,
                             std::span<const std::string_view> choices, OnReload on_reload, std::string_view doc) {
    using T = FieldType<Section, Field>;
    constexpr bool fits = [] {
        switch (Kind) {
            case ValueKind::integer:
            case ValueKind::byte_size: return std::is_integral_v<T>;
            case ValueKind::number: return std::is_same_v<T, double>;
            case ValueKind::duration: return std::is_same_v<T, Duration>;
            case ValueKind::boolean: return std::is_same_v<T, bool>;
            default: return std::is_same_v<T, std::string>;
        }
    }();
    static_assert(fits, "the key's grammar does not fit the type of its field");
    double low = 0;
    double high = 0;
    if constexpr (std::is_same_v<Bound, Duration>) {
        low = static_cast<double>(min.count());
        high = static_cast<double>(max.count());
    } else {
        low = static_cast<double>(min);
        high = static_cast<double>(max);
    }
    return ConfigKey{.section = section,
                     .key = key,
                     .kind = Kind,
                     .min = low,
                     .max = high,
                     .choices = choices,
                     .on_reload = on_reload,
                     .doc = doc,
                     .assign = &assign_field<Section, Field, Kind>,
                     .format = &format_field<Section, Field, Kind>,
                     .same = &same_field<Section, Field>};
}

// The row factories, one per grammar, as Redis has createIntConfig() and friends.

template <auto Section, auto Field>
constexpr ConfigKey integer_key(std::string_view section, std::string_view key, long long min, long long max,
                                OnReload on_reload, std::string_view doc) {
    return make_key<Section, Field, ValueKind::integer>(section, key, min, max, {}, on_reload, doc);
}

template <auto Section, auto Field>
constexpr ConfigKey number_key(std::string_view section, std::string_view key, double min, double max,
                               OnReload on_reload, std::string_view doc) {
    return make_key<Section, Field, ValueKind::number>(section, key, min, max, {}, on_reload, doc);
}

template <auto Section, auto Field>
constexpr ConfigKey duration_key(std::string_view section, std::string_view key, Duration min, Duration max,
                                 OnReload on_reload, std::string_view doc) {
    return make_key<Section, Field, ValueKind::duration>(section, key, min, max, {}, on_reload, doc);
}

template <auto Section, auto Field>
constexpr ConfigKey byte_size_key(std::string_view section, std::string_view key, std::size_t min,
                                  std::size_t max, OnReload on_reload, std::string_view doc) {
    return make_key<Section, Field, ValueKind::byte_size>(section, key, min, max, {}, on_reload, doc);
}

template <auto Section, auto Field>
constexpr ConfigKey choice_key(std::string_view section, std::string_view key,
                               std::span<const std::string_view> choices, OnReload on_reload,
                               std::string_view doc) {
    return make_key<Section, Field, ValueKind::choice>(section, key, 0, 0, choices, on_reload, doc);
}

template <auto Section, auto Field>
constexpr ConfigKey boolean_key(std::string_view section, std::string_view key, OnReload on_reload,
                                std::string_view doc) {
    return make_key<Section, Field, ValueKind::boolean>(section, key, 0, 0, {}, on_reload, doc);
}

// string, listen_address, source_uri and audio_source: text whose grammar, if any, is the kind's.
template <auto Section, auto Field, ValueKind Kind>
constexpr ConfigKey text_key(std::string_view section, std::string_view key, OnReload on_reload,
                             std::string_view doc) {
    return make_key<Section, Field, Kind>(section, key, 0, 0, {}, on_reload, doc);
}

constexpr std::array<std::string_view, 5> kPixelFormats = {"auto", "MJPG", "YUYV", "NV12", "YU12"};
constexpr std::array<std::string_view, 4> kRotations = {"0", "90", "180", "270"};
constexpr std::array<std::string_view, 4> kFlips = {"none", "horizontal", "vertical", "both"};
constexpr std::array<std::string_view, 4> kCorners = {"top-left", "top-right", "bottom-left", "bottom-right"};

constexpr std::array<std::string_view, 4> kAccessModes = {"open", "tokens", "tickets", "tokens+tickets"};

constexpr std::array<std::string_view, 7> kLogLevels = {"trace", "debug", "info", "warn",
                                                         "error", "critical", "off"};

using enum OnReload;

// The order here is the order of --check-config's output and of the errors
// found in one section.
constexpr std::array kKeys = {
    text_key<&Settings::source, &SourceSettings::uri, ValueKind::source_uri>(
        "source", "uri", reopens_source,
"where pictures come from: v4l2:DEVICE (a USB webcam or other V4L2 camera), gstreamer:PIPELINE "
        "(a Pi Camera Module through libcamerasrc), testpattern, file:PATH (a video file or a folder of .jpg "
        "files, looped) or testpattern:hang-after=DURATION (hangs like a stuck camera)"),
    integer_key<&Settings::source, &SourceSettings::width>(
        "source", "width", 16, 7680, reopens_source,
        "picture width in pixels; file sources use the file's own size"),
    integer_key<&Settings::source, &SourceSettings::height>(
        "source", "height", 16, 4320, reopens_source,
        "picture height in pixels; file sources use the file's own size"),
    number_key<&Settings::source, &SourceSettings::fps>(
        "source", "fps", 0.1, 240.0, reopens_source,
        "nominal frame rate; file and test-pattern sources are paced to it, a camera is asked for it"),
    choice_key<&Settings::source, &SourceSettings::format>(
        "source", "format", kPixelFormats, reopens_source,
        "pixel format asked of a v4l2 camera: MJPG, YUYV, NV12, YU12, or auto (MJPG when the camera has it)"),
    duration_key<&Settings::source, &SourceSettings::retry_initial>(
        "source", "retry_initial", 100ms, 60s, reopens_source,
        "wait before reopening a source that failed or vanished; doubles at each failed attempt"),
    duration_key<&Settings::source, &SourceSettings::retry_max>(
        "source", "retry_max", 100ms, 600s, reopens_source,
        "longest wait between reopen attempts"),

    text_key<&Settings::audio, &AudioSettings::source, ValueKind::audio_source>(
        "audio", "source", needs_restart,
        "where sound comes from: none, alsa:DEVICE (a microphone: alsa:default, alsa:plughw:CARD=Mic), "
        "file:PATH (a 48 kHz WAV file, looped) or tone:FREQ (a test tone of 20 to 20000 Hz that beeps at "
        "each whole second, when the test pattern flashes)"),
    integer_key<&Settings::audio, &AudioSettings::channels>(
        "audio", "channels", 1, 2, needs_restart,
        "1 (mono) or 2 (stereo); a file with the other count is converted"),
    integer_key<&Settings::audio, &AudioSettings::bitrate>(
        "audio", "bitrate", 6000, 510000, needs_restart,
        "Opus bitrate in bits per second: 24000 suits speech, 64000 music in mono"),
    duration_key<&Settings::audio, &AudioSettings::retry_initial>(
        "audio", "retry_initial", 100ms, 60s, needs_restart,
        "wait before reopening an audio source that failed or vanished; doubles at each failed attempt"),
    duration_key<&Settings::audio, &AudioSettings::retry_max>(
        "audio", "retry_max", 100ms, 600s, needs_restart,
        "longest wait between audio reopen attempts"),

    choice_key<&Settings::picture, &PictureSettings::rotate>(
        "picture", "rotate", kRotations, reopens_source,
        "rotation clockwise in degrees: 0, 90, 180 or 270 (a camera mounted upside down: 180)"),
    choice_key<&Settings::picture, &PictureSettings::flip>(
        "picture", "flip", kFlips, reopens_source,
        "mirror the picture: none, horizontal, vertical or both"),
    integer_key<&Settings::picture, &PictureSettings::width>(
        "picture", "width", 0, 7680, reopens_source,
        "resize to this width; 0 keeps it (or follows height, keeping the aspect ratio)"),
    integer_key<&Settings::picture, &PictureSettings::height>(
        "picture", "height", 0, 4320, reopens_source,
        "resize to this height; 0 keeps it (or follows width, keeping the aspect ratio)"),
    text_key<&Settings::picture, &PictureSettings::timestamp, ValueKind::string>(
        "picture", "timestamp", reopens_source,
        "timestamp overlay as a strftime format of the capture time (local time), e.g. '%Y-%m-%d %H:%M:%S'; "
        "empty: none"),
    text_key<&Settings::picture, &PictureSettings::label, ValueKind::string>(
        "picture", "label", reopens_source,
        "a text overlay such as the camera's name; empty: none"),
    choice_key<&Settings::picture, &PictureSettings::overlay_corner>(
        "picture", "overlay_corner", kCorners, reopens_source,
        "corner of the timestamp and label: top-left, top-right, bottom-left or bottom-right"),
    number_key<&Settings::picture, &PictureSettings::overlay_scale>(
        "picture", "overlay_scale", 0.25, 10.0, reopens_source,
        "size of the overlay text; 1 suits 640x480, 2 suits 1280x720"),

    integer_key<&Settings::encoder, &EncoderSettings::jpeg_quality>(
        "encoder", "jpeg_quality", 1, 100, live,
        "JPEG quality, 1 (smallest) to 100 (best)"),

    text_key<&Settings::server, &ServerSettings::listen, ValueKind::listen_address>(
        "server", "listen", reopens_listener,
        "address and TCP port viewers connect to: HOST:PORT or [IPv6]:PORT; port 0 picks a free port"),
    integer_key<&Settings::server, &ServerSettings::max_viewers>(
        "server", "max_viewers", 1, 100000, live,
        "viewers streaming at once; more are refused with \"server full\""),
    duration_key<&Settings::server, &ServerSettings::hello_timeout>(
        "server", "hello_timeout", 100ms, 300s, live,
        "time a new connection has to send its hello"),
    integer_key<&Settings::server, &ServerSettings::max_greeting_per_address>(
        "server", "max_greeting_per_address", 1, 10000, live,
        "connections from one address that have not sent their hello yet; more are refused at once"),
    integer_key<&Settings::server, &ServerSettings::max_greeting>(
        "server", "max_greeting", 1, 100000, live,
        "connections from all addresses that have not sent their hello yet; more are refused at once"),

    integer_key<&Settings::viewer, &ViewerSettings::queue_frames>(
        "viewer", "queue_frames", 1, 100, live,
        "frames waiting per viewer; when full the oldest is dropped, so a slow viewer gets the freshest picture"),
    byte_size_key<&Settings::viewer, &ViewerSettings::queue_bytes>(
        "viewer", "queue_bytes", 64u << 10, 1u << 30, live,
        "bytes waiting per viewer before the oldest frame is dropped"),
    byte_size_key<&Settings::viewer, &ViewerSettings::socket_send_buffer>(
        "viewer", "socket_send_buffer", 16u << 10, 64u << 20, live,
        "kernel send buffer per viewer socket: bounds what a stalled viewer holds; must fit a frame "
        "and the network's round trip"),
    duration_key<&Settings::viewer, &ViewerSettings::stall_timeout>(
        "viewer", "stall_timeout", 200ms, 1h, live,
        "a viewer whose socket accepts nothing this long is disconnected"),
    duration_key<&Settings::viewer, &ViewerSettings::heartbeat_interval>(
        "viewer", "heartbeat_interval", 100ms, 60s, live,
        "a viewer sent nothing this long gets a heartbeat (the source's state)"),

    boolean_key<&Settings::http, &HttpSettings::enabled>(
        "http", "enabled", reopens_listener,
        "serve HTTP viewers (browsers, VLC, ffmpeg, Home Assistant) and /snapshot.jpg, /healthz, /metrics"),
    text_key<&Settings::http, &HttpSettings::listen, ValueKind::listen_address>(
        "http", "listen", reopens_listener,
        "address and TCP port of the HTTP listener: HOST:PORT or [IPv6]:PORT; port 0 picks a free port"),
    duration_key<&Settings::http, &HttpSettings::request_timeout>(
        "http", "request_timeout", 100ms, 300s, live,
        "time a client has to send a whole request (line and headers); slower ones get 408 and are closed"),
    duration_key<&Settings::http, &HttpSettings::keepalive_timeout>(
        "http", "keepalive_timeout", 100ms, 300s, live,
        "an idle keep-alive connection is closed after this long without a request"),
    byte_size_key<&Settings::http, &HttpSettings::max_header_bytes>(
        "http", "max_header_bytes", 1u << 10, 1u << 20, live,
        "largest request line plus headers; larger requests get 431 (or 414 for a long URL) and are closed"),
    integer_key<&Settings::http, &HttpSettings::max_headers>(
        "http", "max_headers", 1, 1000, live,
        "most header lines in one request; more get 431 and are closed"),
    duration_key<&Settings::http, &HttpSettings::snapshot_timeout>(
        "http", "snapshot_timeout", 100ms, 60s, live,
        "how long /snapshot.jpg waits for a fresh frame before it answers 503"),

    choice_key<&Settings::access, &AccessSettings::mode>(
        "access", "mode", kAccessModes, live,
        "who may watch: open (anyone who reaches the ports), tokens (the named viewers of access.tokens_file), "
        "tickets (signed tickets, access.ticket_keys_file) or tokens+tickets (either)"),
    text_key<&Settings::access, &AccessSettings::tokens_file, ValueKind::string>(
        "access", "tokens_file", live,
        "the tokens file: one 'NAME sha256:HASH [max_fps=N] [max_streams=N]' a line; 'camstreamd token add' writes it"),
    text_key<&Settings::access, &AccessSettings::ticket_keys_file, ValueKind::string>(
        "access", "ticket_keys_file", live,
        "the public keys tickets must be signed with: one 'KID ed25519:KEY' a line; 'camstreamd ticket keygen' "
        "writes it"),
    text_key<&Settings::access, &AccessSettings::revoked_file, ValueKind::string>(
        "access", "revoked_file", live,
        "ids of revoked tickets, one a line ('camstreamd ticket revoke ID'); a missing file revokes none"),
    text_key<&Settings::access, &AccessSettings::ticket_audience, ValueKind::string>(
        "access", "ticket_audience", live,
        "this camera's name: a ticket with an 'aud' must name it (so one shop key can sell several cameras "
        "apart); empty: only tickets without an 'aud' are accepted"),
    duration_key<&Settings::access, &AccessSettings::clock_leeway>(
        "access", "clock_leeway", 0ms, 1h, live,
        "clock difference forgiven between the ticket minter and this camera, on a ticket's start and expiry"),
    text_key<&Settings::access, &AccessSettings::ledger, ValueKind::string>(
        "access", "ledger", needs_restart,
        "the watch-time ledger (SQLite): every viewer session, and what minutes budgets count; empty: none"),
    duration_key<&Settings::access, &AccessSettings::ledger_flush>(
        "access", "ledger_flush", 100ms, 1h, live,
        "how often sessions' watch time is written to the ledger: the most a crash can lose"),
    integer_key<&Settings::access, &AccessSettings::max_failures>(
        "access", "max_failures", 1, 100000, live,
        "failed credentials one client address may send a minute; then it is refused until the minute is over"),

    choice_key<&Settings::log, &LogSettings::level>(
        "log", "level", kLogLevels, live,
        "how much is logged: trace, debug, info, warn, error, critical or off"),
    duration_key<&Settings::log, &LogSettings::stats_interval>(
        "log", "stats_interval", 100ms, 24h, live,
        "how often the one-line summary (viewers, fps, drops, latency) is logged"),
};

}  // namespace

std::string_view to_string(OnReload effect) {
    switch (effect) {
        case OnReload::live: return "live";
        case OnReload::reopens_source: return "reopens_source";
        case OnReload::reopens_listener: return "reopens_listener";
        case OnReload::needs_restart: return "needs_restart";
    }
    return "unknown";
}

std::string ConfigKey::path() const {
    return std::string(section) + "." + std::string(key);
}

std::span<const ConfigKey> config_keys() {
    return kKeys;
}

std::vector<SettingChange> changed_settings(const Settings& before, const Settings& after) {
    std::vector<SettingChange> changes;
    for (const auto& row : kKeys) {
        if (row.same(before, after)) continue;
        changes.push_back({row.path(), row.format(before), row.format(after), row.on_reload});
    }
    return changes;
}

}  // namespace camstream
