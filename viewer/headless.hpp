// Headless mode: receive N frames without a window, proving each one decodes,
// play the sound and present the frames in sync with it as a window would, and
// report progress and a summary as JSON lines on stdout (for tests and benchmarks).
#pragma once

#include "audio/audio_session.hpp"
#include "net/stream_client.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>

namespace camstream::viewer {

struct HeadlessSettings {
    std::uint64_t frames = 0;                             // the run ends once this many arrived
    std::optional<std::filesystem::path> save_directory;  // frame-<seq>.jpg per frame
    std::chrono::milliseconds timeout{30000};             // failure when reached first
    AudioSettings audio;  // played too, and frames are presented in sync with it
    // Measure A/V sync from the test source's flash and beep (sync_report.hpp);
    // decodes every presented frame's brightness, so only on request.
    bool sync_report = false;
};

// Exit code when all frames arrived but at least one was not a complete JPEG.
inline constexpr int kExitBadFrames = 3;

// Returns the exit code: 0 when all frames arrived and every one was a complete,
// decodable JPEG; kExitBadFrames when they arrived but one or more was not (a
// health check must not pass on a broken stream); 1 on timeout, rejection or a
// frame that could not be saved, whatever the frames were. The summary line is
// printed in every case.
int run_headless(const StreamClientSettings& client_settings, const HeadlessSettings& settings);

}  // namespace camstream::viewer
