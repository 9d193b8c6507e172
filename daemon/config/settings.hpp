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

struct LogSettings {
    std::string level = "info";
    Duration stats_interval{10000};
};

struct Settings {
    SourceSettings source;
    EncoderSettings encoder;
    ServerSettings server;
    ViewerSettings viewer;
    LogSettings log;
};

}  // namespace camstream
