// Window mode. The receive thread decodes frames, feeds the audio and records
// the link state (WindowFeed); the UI thread takes the newest frame that is due
// (when its sound is heard, or at once without sound), draws the overlay and
// keeps pumping cv::waitKey whether or not frames arrive, so the window stays
// responsive while the daemon is away.
#include "window.hpp"

#include "sync/av_sync.hpp"
#include "video/decoded_frame.hpp"
#include "video/jpeg.hpp"
#include "video/placeholder_size.hpp"
#include "stats.hpp"

#include <opencv2/highgui.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <vector>

namespace camstream::viewer {

namespace {

using namespace std::chrono_literals;

// Without new frames the picture is still redrawn this often, so the reconnect
// countdown and the frame rate keep moving.
constexpr auto kRedrawInterval = 100ms;
constexpr int kKeyPollMs = 10;
const cv::Scalar kDarkGrey{40, 40, 40};
const cv::Scalar kWhite{255, 255, 255};
const cv::Scalar kRed{60, 60, 255};
constexpr int kFont = cv::FONT_HERSHEY_SIMPLEX;

// What the UI shows about the connection; written by the receive thread.
struct LinkStatus {
    enum class Phase { connecting, connected, disconnected };
    Phase phase = Phase::connecting;
    bool rejected_for_good = false;           // the client has stopped; the UI should end too
    std::optional<wire::SourceState> source;  // unknown until a heartbeat or a frame
    std::string reason;                       // why we are disconnected
    SteadyClock::time_point retry_at{};       // when the next attempt starts
    cv::Size stream_size;                     // from the ServerHello, before any frame
};

// The receive-thread side of window mode.
class WindowFeed final : public StreamObserver {
public:
    explicit WindowFeed(AudioSession& audio) : audio_(audio) {}

    FrameScheduler<DecodedFramePtr>& frames() { return frames_; }

    LinkStatus status() {
        std::lock_guard lock(mutex_);
        return status_;
    }

    void on_accepted(const wire::StreamInfo& info) override {
        audio_.on_accepted(info);
        std::lock_guard lock(mutex_);
        status_ = {};
        status_.phase = LinkStatus::Phase::connected;
        status_.stream_size = {info.width, info.height};
    }

    void on_frame(const wire::MessageHeader& header, std::span<const std::uint8_t> jpeg) override {
        // Decoding here keeps the UI thread free for drawing and key handling.
        DecodedJpeg decoded = decode_jpeg(jpeg);
        if (decoded.problem != JpegProblem::none) {
            std::fprintf(stderr, "camview: frame %llu is %s, skipped\n",
                         static_cast<unsigned long long>(header.sequence),
                         std::string(to_string(decoded.problem)).c_str());
            return;
        }
        frames_.push(std::make_shared<const DecodedFrame>(DecodedFrame{
                         std::move(decoded.image), header.sequence, header.timestamp_us}),
                     header.timestamp_us, SteadyClock::now());
        std::lock_guard lock(mutex_);
        status_.source = wire::SourceState::live;
    }

    void on_audio(const wire::MessageHeader& header, std::span<const std::uint8_t> opus) override {
        audio_.on_audio(header, opus);
    }

    void on_heartbeat(const wire::Heartbeat& heartbeat) override {
        std::lock_guard lock(mutex_);
        status_.source = heartbeat.state;
    }

    void on_rejected(const wire::ServerHello& hello, bool retrying) override {
        if (retrying) return;  // on_connection_lost follows with the countdown
        std::lock_guard lock(mutex_);
        status_.rejected_for_good = true;
        status_.reason = describe_rejection(hello);
    }

    void on_connection_lost(const std::string& reason,
                            std::chrono::milliseconds retry_in) override {
        std::lock_guard lock(mutex_);
        status_.phase = LinkStatus::Phase::disconnected;
        status_.source.reset();
        status_.reason = reason;
        status_.retry_at = SteadyClock::now() + retry_in;
    }

    // The countdown on screen already shows that a new attempt follows.
    void on_reconnecting(std::uint64_t) override {}

private:
    AudioSession& audio_;
    FrameScheduler<DecodedFramePtr> frames_;
    std::mutex mutex_;
    LinkStatus status_;
};

// The largest font scale (up to max_scale) at which text fits in width pixels.
double fitting_scale(const std::string& text, int width, double max_scale) {
    int baseline = 0;
    const auto size = cv::getTextSize(text, kFont, 1.0, 1, &baseline);
    if (size.width <= 0) return max_scale;
    return std::min(max_scale, static_cast<double>(width) / size.width);
}

void dim(cv::Mat& area, double factor) { area.convertTo(area, -1, factor); }

// Draws text with a dark outline so it reads on any picture.
void draw_text(cv::Mat& canvas, const std::string& text, cv::Point origin, double scale,
               const cv::Scalar& colour) {
    const int thickness = scale >= 0.9 ? 2 : 1;
    cv::putText(canvas, text, origin, kFont, scale, cv::Scalar::all(0), thickness + 2, cv::LINE_AA);
    cv::putText(canvas, text, origin, kFont, scale, colour, thickness, cv::LINE_AA);
}

// Breaks text at spaces into lines no wider than width pixels at this scale.
std::vector<std::string> wrap(const std::string& text, int width, double scale) {
    std::vector<std::string> lines;
    std::string line;
    std::size_t at = 0;
    while (at < text.size()) {
        const auto space = text.find(' ', at);
        const bool last_word = space == std::string::npos;
        const auto word = text.substr(at, last_word ? std::string::npos : space - at);
        at = last_word ? text.size() : space + 1;
        const auto candidate = line.empty() ? word : line + " " + word;
        int baseline = 0;
        if (!line.empty() && cv::getTextSize(candidate, kFont, scale, 1, &baseline).width > width) {
            lines.push_back(line);
            line = word;
        } else {
            line = candidate;
        }
    }
    if (!line.empty()) lines.push_back(line);
    return lines;
}

// Centres paragraphs of status text on the canvas, wrapping each to fit.
void draw_centered_text(cv::Mat& canvas, const std::vector<std::string>& paragraphs,
                        const cv::Scalar& colour, double emphasis = 1.0) {
    const int margin = canvas.cols / 20 + 4;
    const int width = canvas.cols - 2 * margin;
    // Readable on a 320-pixel frame, not huge on a 1080p one.
    const double scale = emphasis * std::clamp(canvas.cols / 900.0, 0.45, 1.0);
    std::vector<std::string> lines;
    for (const auto& paragraph : paragraphs) {
        for (auto& line : wrap(paragraph, width, scale)) lines.push_back(std::move(line));
    }
    int baseline = 0;
    const int line_height = cv::getTextSize("Ag", kFont, scale, 1, &baseline).height * 2;
    int y = (canvas.rows - line_height * static_cast<int>(lines.size())) / 2 + line_height / 2;
    for (const auto& line : lines) {
        const auto size = cv::getTextSize(line, kFont, scale, 1, &baseline);
        // A single word wider than the frame still shows its start.
        const int x = std::max(margin / 2, (canvas.cols - size.width) / 2);
        draw_text(canvas, line, {x, y + size.height / 2}, scale, colour);
        y += line_height;
    }
}

// "A/V +12 ms" while in sync with the sound, else why there is no sync.
std::string audio_text(AudioStatus audio, std::optional<double> av_offset_ms) {
    if (audio == AudioStatus::playing && av_offset_ms) {
        char text[32];
        std::snprintf(text, sizeof text, "A/V %+.0f ms", *av_offset_ms);
        return text;
    }
    switch (audio) {
        case AudioStatus::muted: return "muted";
        case AudioStatus::none: return "no audio";
        case AudioStatus::output_failed: return "no sound device";
        case AudioStatus::buffering:
        case AudioStatus::playing: return "audio buffering";
    }
    return "no audio";
}

struct View {
    DecodedFramePtr frame;  // the newest frame, kept after a disconnect to dim under the text
    double fps = 0.0;
    double latency_ms = 0.0;  // of that frame, measured when it was first shown
    std::optional<double> av_offset_ms;  // of that frame, when it was shown in sync
    AudioStatus audio = AudioStatus::none;
};

// The status line across the top: fps, end-to-end latency, resolution, sequence, sound.
void draw_info_bar(cv::Mat& canvas, const View& view) {
    const DecodedFrame& frame = *view.frame;
    char text[160];
    std::snprintf(text, sizeof text, "%.1f fps | latency %.1f ms | %dx%d | seq %llu | %s",
                  view.fps, view.latency_ms, frame.image.cols, frame.image.rows,
                  static_cast<unsigned long long>(frame.sequence),
                  audio_text(view.audio, view.av_offset_ms).c_str());
    const int margin = 8;
    const double scale = fitting_scale(text, canvas.cols - 2 * margin, 0.6);
    int baseline = 0;
    const auto size = cv::getTextSize(text, kFont, scale, 1, &baseline);
    const int bar_height = std::min(canvas.rows, size.height + baseline + 2 * margin);
    cv::Mat bar = canvas(cv::Rect(0, 0, canvas.cols, bar_height));
    dim(bar, 0.25);
    draw_text(canvas, text, {margin, margin + size.height}, scale, kWhite);
}

std::string countdown_text(SteadyClock::time_point retry_at, SteadyClock::time_point now) {
    const std::chrono::duration<double> left =
        std::max(retry_at - now, SteadyClock::duration::zero());
    char text[48];
    std::snprintf(text, sizeof text, "reconnecting in %.1fs", left.count());
    return text;
}

cv::Mat compose(const View& view, const LinkStatus& status, const std::string& endpoint,
                SteadyClock::time_point now) {
    cv::Mat canvas;
    if (view.frame) {
        canvas = view.frame->image.clone();
    } else {
        canvas = cv::Mat(placeholder_size(status.stream_size), CV_8UC3, kDarkGrey);
    }

    switch (status.phase) {
        case LinkStatus::Phase::connecting:
            dim(canvas, 0.3);
            draw_centered_text(canvas, {"connecting to " + endpoint}, kWhite);
            break;
        case LinkStatus::Phase::disconnected:
            dim(canvas, 0.3);
            draw_centered_text(
                canvas, {"disconnected: " + status.reason, countdown_text(status.retry_at, now)},
                kWhite);
            break;
        case LinkStatus::Phase::connected:
            if (status.source == wire::SourceState::lost) {
                dim(canvas, 0.3);
                draw_centered_text(canvas, {"source lost"}, kRed, 2.0);
            } else if (!view.frame) {
                draw_centered_text(canvas, {"waiting for the first frame"}, kWhite);
            }
            if (view.frame) draw_info_bar(canvas, view);
            break;
    }
    return canvas;
}

// OpenCV's Qt backend aborts the process when it finds no display, so ask first.
bool have_display() {
    for (const char* name : {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"}) {
        const char* value = std::getenv(name);
        if (value != nullptr && *value != '\0') return true;
    }
    return false;
}

bool is_quit_key(int key) {
    return key == 13 || key == 10 || key == 27 || key == 'q' || key == 'Q';
}

}  // namespace

int run_window(const StreamClientSettings& client_settings, const WindowSettings& settings) {
    if (!have_display()) {
        std::fprintf(stderr,
                     "camview: no display to open a window on (DISPLAY is not set); "
                     "use --headless\n");
        return 1;
    }
    AudioSession audio(settings.audio);
    WindowFeed feed(audio);
    StreamClient client(client_settings, feed);
    // GUI_NORMAL: no toolbar from the Qt backend, the picture is the whole window.
    cv::namedWindow(settings.title, cv::WINDOW_AUTOSIZE | cv::WINDOW_GUI_NORMAL);
    client.start();

    const auto endpoint = to_string(client_settings.endpoint);
    RateMeter display_rate(SteadyClock::now());
    View view;
    auto last_redraw = SteadyClock::time_point{};
    int exit_code = 0;
    for (;;) {
        const auto status = feed.status();
        if (status.rejected_for_good) {
            exit_code = 1;  // the client already said why on stderr
            break;
        }
        const auto now = SteadyClock::now();
        bool got_frame = false;
        // Of several frames due at once (the UI fell behind), the newest is shown.
        while (auto due = feed.frames().next(now, audio.clock_us(now))) {
            view.frame = std::move(due->frame);
            view.av_offset_ms = due->av_offset_ms;
            got_frame = true;
        }
        if (got_frame) {
            view.latency_ms = latency_ms_since(view.frame->capture_timestamp_us);
            display_rate.count();
        }
        view.audio = audio.status(now);
        view.fps = display_rate.rate(now);
        if (got_frame || now - last_redraw >= kRedrawInterval) {
            cv::imshow(settings.title, compose(view, status, endpoint, now));
            last_redraw = now;
        }
        const int key = cv::waitKey(kKeyPollMs);
        if (is_quit_key(key)) break;
        // The user closed the window with the window manager's button.
        if (cv::getWindowProperty(settings.title, cv::WND_PROP_VISIBLE) < 1) break;
    }
    client.stop();
    cv::destroyAllWindows();
    return exit_code;
}

}  // namespace camstream::viewer
