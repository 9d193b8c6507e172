// Settings: camstreamd's configuration as plain data. A default-constructed
// Settings is the documented default; schema.hpp says how each field is read,
// printed and reloaded, config.hpp loads it.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace camstream {

using Duration = std::chrono::milliseconds;

struct SourceSettings {
    std::string uri = "testpattern";  // grammar: capture/source_uri.hpp
    int width = 1280;
    int height = 720;
    double fps = 30.0;
    std::string format = "auto";  // v4l2: MJPG, YUYV, NV12, YU12, or auto (MJPG when offered)
    // A source that fails is reopened after retry_initial, doubling up to retry_max.
    Duration retry_initial{500};
    Duration retry_max{10000};
    // Not a key: set when audio.source is a tone, so the test pattern flashes
    // as the tone beeps (media/sync_marker.hpp).
    bool sync_flash = false;
};

// The microphone (daemon/audio/): captured always, Opus-encoded only while
// someone listens.
struct AudioSettings {
    std::string source = "none";  // grammar: audio/audio_source_uri.hpp
    int channels = 1;
    int bitrate = 64000;  // Opus, bits per second
    // A source that fails is reopened after retry_initial, doubling up to retry_max.
    Duration retry_initial{500};
    Duration retry_max{10000};
};

// What is done to each picture before it is encoded. Each costs nothing unless
// set; with none set, a camera's JPEG is sent as the camera made it.
struct PictureSettings {
    std::string rotate = "0";     // 0, 90, 180, 270 (clockwise)
    std::string flip = "none";    // none, horizontal, vertical, both
    int width = 0;                // resize: 0 keeps the size; one of the two keeps the aspect ratio
    int height = 0;
    std::string timestamp{};      // strftime format of the capture time; empty = none
    std::string label{};          // text such as the camera's name; empty = none
    std::string overlay_corner = "top-left";  // where timestamp and label go
    double overlay_scale = 1.0;   // text size; 1 suits 640x480

    bool any() const {
        return rotate != "0" || flip != "none" || width > 0 || height > 0 || !timestamp.empty() ||
               !label.empty();
    }
};

struct EncoderSettings {
    int jpeg_quality = 80;
};

struct ServerSettings {
    std::string listen = "0.0.0.0:10050";
    int max_viewers = 100;
    Duration hello_timeout{5000};
    // One host may open a burst of viewers at once (an NVR, a load test with
    // 64 handshakes in flight); a flood from one host still leaves most slots.
    int max_greeting_per_address = 64;
    int max_greeting = 256;
};

struct ViewerSettings {
    std::size_t queue_frames = 2;
    std::size_t queue_bytes = 8u << 20;
    std::size_t socket_send_buffer = 256u << 10;
    Duration stall_timeout{10000};
    Duration heartbeat_interval{1000};
};

// The HTTP listener: MJPEG for browsers, VLC and NVRs, plus snapshot, health
// and metrics. Its connections that are not streaming count against the
// server's greeting limits; its streams count against server.max_viewers.
struct HttpSettings {
    bool enabled = true;
    std::string listen = "0.0.0.0:8080";
    // A whole request (line and headers) must arrive within this: a client
    // that trickles its headers (slowloris) holds a socket no longer.
    Duration request_timeout{10000};
    Duration keepalive_timeout{5000};  // idle between requests on one connection
    std::size_t max_header_bytes = 8u << 10;
    int max_headers = 50;
    // How long /snapshot.jpg waits for a fresh frame when nobody is watching.
    Duration snapshot_timeout{3000};
};

// Who may watch: "open" (anyone who reaches the ports), "tokens" (named
// viewers in tokens_file, see access/token_store.hpp), "tickets" (signed
// tickets, see access/ticket.hpp) or "tokens+tickets"; and the watch-time
// ledger (access/ledger.hpp), kept in every mode.
struct AccessSettings {
    std::string mode = "open";
    std::string tokens_file = "/etc/camstream/tokens";
    std::string ticket_keys_file = "/etc/camstream/ticket-keys";
    std::string revoked_file = "/etc/camstream/revoked-tickets";
    std::string ticket_audience;  // empty: tickets for any camera
    Duration clock_leeway{30000};
    std::string ledger = "/var/lib/camstream/ledger.sqlite";  // empty: none
    Duration ledger_flush{10000};
    int max_failures = 10;  // failed credentials per client address and minute
    bool tokens() const { return mode == "tokens" || mode == "tokens+tickets"; }
    bool tickets() const { return mode == "tickets" || mode == "tokens+tickets"; }
};

struct LogSettings {
    std::string level = "info";
    Duration stats_interval{10000};
};

struct Settings {
    SourceSettings source;
    AudioSettings audio;
    PictureSettings picture;
    EncoderSettings encoder;
    ServerSettings server;
    ViewerSettings viewer;
    HttpSettings http;
    AccessSettings access;
    LogSettings log;
};

}  // namespace camstream
