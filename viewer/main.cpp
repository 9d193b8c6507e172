// camview: the command line. Parses options into settings and runs window or headless mode.
#include "net/endpoint.hpp"
#include "headless.hpp"
#include "net/stream_client.hpp"
#include "window.hpp"

#include <CLI/CLI.hpp>

#include <chrono>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <fstream>
#include <optional>
#include <string>

namespace {

using namespace camstream;

struct CommandLine {
    std::string address;
    std::string token;  // a token or a ticket: the daemon tells them apart
    std::uint16_t max_fps = 0;
    bool headless = false;
    std::uint64_t frames = 0;
    std::string save_directory;
    double timeout_s = 30.0;
    bool mute = false;
    std::string audio_device = "default";
    bool sync_report = false;
};

// TEXT, or the first line of FILE for "@FILE" (a ticket is long, and a command
// line is visible to every user of the machine).
std::optional<std::string> credential_text(const std::string& text) {
    if (text.empty() || text.front() != '@') return text;
    std::ifstream file(text.substr(1));
    std::string line;
    if (!file || !std::getline(file, line)) {
        std::fprintf(stderr, "camview: cannot read the credential file %s\n", text.c_str() + 1);
        return std::nullopt;
    }
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
    return line;
}

int run(const CommandLine& options) {
    const auto parsed = viewer::parse_endpoint(options.address, wire::kDefaultPort);
    if (!parsed.endpoint) {
        std::fprintf(stderr, "camview: bad address '%s': %s\n", options.address.c_str(),
                     parsed.error.c_str());
        return 2;
    }
    viewer::StreamClientSettings client;
    client.endpoint = *parsed.endpoint;
    const auto credential = credential_text(options.token);
    if (!credential) return 2;
    if (credential->size() > wire::kMaxTokenLength) {
        std::fprintf(stderr, "camview: the token or ticket is longer than %zu bytes\n", wire::kMaxTokenLength);
        return 2;
    }
    client.token = *credential;
    client.max_fps = options.max_fps;
    client.audio = !options.mute;
    const viewer::AudioSettings audio{options.mute, options.audio_device};

    if (options.headless) {
        // A run with a deadline should fail visibly on rejection, not wait it out.
        client.retry_busy_server = false;
        viewer::HeadlessSettings headless;
        headless.frames = options.frames;
        if (!options.save_directory.empty()) headless.save_directory = options.save_directory;
        headless.timeout = std::chrono::milliseconds(std::llround(options.timeout_s * 1000.0));
        headless.audio = audio;
        headless.sync_report = options.sync_report;
        return viewer::run_headless(client, headless);
    }
    // Someone is watching: keep trying while the server is full or restarting.
    client.retry_busy_server = true;
    return viewer::run_window(client, {"camview " + viewer::to_string(client.endpoint), audio});
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"camview: viewer for camstreamd streams (camstream wire protocol v1)", "camview"};
    app.set_version_flag("--version", "camview " CAMSTREAM_VERSION);
    CommandLine options;

    app.add_option("address", options.address,
                   "daemon address: HOST, HOST:PORT or [IPv6]:PORT (default port 10050)")
        ->type_name("HOST[:PORT]")
        ->required();
    auto* token = app.add_option("--token", options.token, "access token to present to the daemon, or @FILE")
                      ->type_name("TEXT");
    app.add_option("--ticket", options.token, "signed ticket to present to the daemon, or @FILE")
        ->type_name("TEXT")
        ->excludes(token);
    app.add_option("--max-fps", options.max_fps, "ask for at most N frames per second (0 = no cap)")
        ->type_name("N");

    auto* mute = app.add_flag("--mute", options.mute,
                              "no sound: do not ask the daemon for audio, play none, and show "
                              "frames as they arrive");
    app.add_option("--audio-device", options.audio_device,
                   "ALSA device to play the sound on (default: 'default', which reaches "
                   "PipeWire or PulseAudio on a desktop)")
        ->type_name("NAME")
        ->excludes(mute);

    auto* headless = app.add_flag("--headless", options.headless,
                                  "no window: print JSON progress and a summary on stdout; "
                                  "see the exit status below");
    auto* frames = app.add_option("--frames", options.frames,
                                  "headless: stop after N frames (exit status below)")
                       ->type_name("N")
                       ->check(CLI::PositiveNumber)
                       ->needs(headless);
    app.add_option("--save", options.save_directory,
                   "headless: write each frame to DIR/frame-<seq>.jpg")
        ->type_name("DIR")
        ->needs(headless);
    app.add_option("--timeout", options.timeout_s,
                   "headless: fail if the frames have not arrived after SECONDS (default 30)")
        ->type_name("SECONDS")
        ->check(CLI::PositiveNumber)
        ->needs(headless);
    app.add_flag("--sync-report", options.sync_report,
                 "headless: measure A/V sync from the test source's once-a-second flash and "
                 "beep; adds sync_report to the summary")
        ->needs(headless)
        ->excludes(mute);
    headless->needs(frames);
    app.footer(
        "Exit status with --headless:\n"
        "  0  N frames arrived and every one was a complete JPEG image\n"
        "  1  --timeout passed first, the daemon refused us, or --save failed\n"
        "  2  bad command line\n"
        "  3  N frames arrived, but one or more was not a complete JPEG image:\n"
        "     not a JPEG, not decodable, or truncated (no end marker); the summary\n"
        "     counts them in decode_errors and truncated_frames.\n"
        "A single bad frame is enough for 3: TCP delivers a frame intact or not at\n"
        "all, so a frame that does not decode means the camera or the daemon is\n"
        "broken, and a health check built on camview must not pass on it.\n"
        "\n"
        "Audio: camview asks for audio unless --mute, plays it on --audio-device and\n"
        "shows each frame when the sound captured with it is heard (the overlay shows\n"
        "the A/V offset). Without sound (--mute, a stream without audio, a device\n"
        "that cannot be opened, sound that stalls) frames show as they arrive.");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        // --help and --version exit 0; usage errors exit 2 as is customary.
        return app.exit(error) == 0 ? 0 : 2;
    }

    try {
        return run(options);
    } catch (const std::exception& error) {
        // In practice: no display to open a window on.
        std::fprintf(stderr, "camview: %s\n", error.what());
        return 1;
    }
}
