// Window mode: the OpenCV window, its overlay, and the UI loop that pumps it.
#pragma once

#include "audio/audio_session.hpp"
#include "net/stream_client.hpp"

#include <string>

namespace camstream::viewer {

struct WindowSettings {
    std::string title;
    AudioSettings audio;
};

// Shows the stream until the user quits (returns 0) or the server rejects the
// viewer for good (returns 1). Runs the UI on the calling thread.
int run_window(const StreamClientSettings& client_settings, const WindowSettings& settings);

}  // namespace camstream::viewer
