// Headless mode. The receive thread records every frame (HeadlessRecorder) and
// feeds the audio; the main thread presents frames when the sound reaches them
// (the same FrameScheduler the window uses, without a window), prints progress
// once a second, and ends the run on success, rejection or timeout. stdout
// carries only JSON lines; diagnostics go to stderr.
#include "headless.hpp"

#include "sync/av_sync.hpp"
#include "video/jpeg.hpp"
#include "stats.hpp"
#include "sync/sync_report.hpp"

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace camstream::viewer {

namespace {

using namespace std::chrono_literals;
using Seconds = std::chrono::duration<double>;

constexpr auto kProgressInterval = 1s;
// How often frames waiting for their sound are looked at: a fraction of the
// sync the report must be able to show. Without sound, frames go out at once
// and the looks can be rarer.
constexpr auto kPresentIntervalPlaying = 2ms;
constexpr auto kPresentIntervalIdle = 20ms;

std::string fixed(double value, int decimals) {
    char text[64];
    std::snprintf(text, sizeof text, "%.*f", decimals, value);
    return text;
}

std::string json_string(std::string_view text) { return "\"" + std::string(text) + "\""; }

// One JSON object from (key, already encoded value) pairs. Keys and values are
// ours (numbers, null, fixed words), so nothing needs escaping.
template <typename Fields>
std::string json_object(const Fields& fields) {
    std::string out = "{";
    for (const auto& [key, value] : fields) {
        if (out.size() > 1) out += ',';
        out += json_string(key) + ":" + value;
    }
    return out + "}";
}

std::string json_object(std::initializer_list<std::pair<std::string_view, std::string>> fields) {
    return json_object<decltype(fields)>(fields);
}

// Latencies are null, not 0, when no frame arrived: there is nothing to measure.
std::string latency_json(const std::optional<LatencyPercentiles>& latency) {
    if (!latency) {
        return json_object({{"p50", "null"}, {"p90", "null"}, {"p99", "null"}, {"max", "null"}});
    }
    return json_object({
        {"p50", fixed(latency->p50, 3)},
        {"p90", fixed(latency->p90, 3)},
        {"p99", fixed(latency->p99, 3)},
        {"max", fixed(latency->max, 3)},
    });
}

std::string offsets_json(const std::optional<OffsetSummary>& offsets) {
    if (!offsets) return json_object({{"median", "null"}, {"max_abs", "null"}, {"count", "0"}});
    return json_object({
        {"median", fixed(offsets->median, 1)},
        {"max_abs", fixed(offsets->max_abs, 1)},
        {"count", std::to_string(offsets->count)},
    });
}

std::string sync_json(const SyncMeasurement& sync) {
    return json_object({
        {"flashes", std::to_string(sync.flashes)},
        {"beeps", std::to_string(sync.beeps)},
        {"offset_ms", offsets_json(sync.offset_ms)},
        {"uncorrected_median_ms",
         sync.uncorrected_median_ms ? fixed(*sync.uncorrected_median_ms, 1) : "null"},
    });
}

double mean_brightness(const cv::Mat& image) {
    const cv::Scalar means = cv::mean(image);
    return (means[0] + means[1] + means[2]) / 3.0;
}

// Returns why the file could not be written, if it could not.
std::optional<std::string> save_jpeg(const std::filesystem::path& path,
                                     std::span<const std::uint8_t> jpeg) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(jpeg.data()),
              static_cast<std::streamsize>(jpeg.size()));
    out.close();
    if (!out) return "cannot write " + path.string() + ": " + std::strerror(errno);
    return std::nullopt;
}

enum class Outcome { running, complete, rejected, timed_out, failed };

// Everything the run learns, written by the receive thread and read by the main
// thread; one mutex guards it all because the main thread looks once a second.
class HeadlessRecorder final : public StreamObserver {
public:
    HeadlessRecorder(const HeadlessSettings& settings, SteadyClock::time_point start,
                     AudioSession& audio, SyncReport* sync)
        : settings_(settings), start_(start), audio_(audio), sync_(sync), rate_(start) {}

    void on_accepted(const wire::StreamInfo& info) override { audio_.on_accepted(info); }

    void on_audio(const wire::MessageHeader& header, std::span<const std::uint8_t> opus) override {
        audio_.on_audio(header, opus);
    }

    void on_frame(const wire::MessageHeader& header, std::span<const std::uint8_t> jpeg) override {
        const auto arrived = SteadyClock::now();
        const double latency_ms = latency_ms_since(header.timestamp_us);
        {
            std::lock_guard lock(mutex_);
            if (outcome_ != Outcome::running) return;
        }
        // Decoding and saving stay outside the lock so progress is never delayed by them.
        const DecodedJpeg decoded = decode_jpeg(jpeg);
        const bool measure = sync_ != nullptr && decoded.problem == JpegProblem::none;
        scheduler_.push({header.timestamp_us, measure ? mean_brightness(decoded.image) : 0.0},
                        header.timestamp_us, arrived);
        std::optional<std::string> save_error;
        if (settings_.save_directory) {
            const auto name = "frame-" + std::to_string(header.sequence) + ".jpg";
            save_error = save_jpeg(*settings_.save_directory / name, jpeg);
        }

        std::lock_guard lock(mutex_);
        if (outcome_ != Outcome::running) return;
        ++frames_;
        switch (decoded.problem) {
            case JpegProblem::none:
                width_ = decoded.image.cols;
                height_ = decoded.image.rows;
                break;
            case JpegProblem::truncated: ++truncated_frames_; break;
            case JpegProblem::not_jpeg:
            case JpegProblem::undecodable:
            case JpegProblem::too_large: ++decode_errors_; break;
        }
        latencies_ms_.push_back(latency_ms);
        gaps_.record(header.sequence);
        rate_.count();
        if (!first_frame_at_) first_frame_at_ = arrived;
        last_frame_at_ = arrived;
        source_state_ = "live";
        if (save_error) {
            finish(Outcome::failed, *save_error);
        } else if (frames_ >= settings_.frames) {
            finish(Outcome::complete, {});
        }
    }

    void on_heartbeat(const wire::Heartbeat& heartbeat) override {
        std::lock_guard lock(mutex_);
        source_state_ = wire::to_string(heartbeat.state);
    }

    void on_rejected(const wire::ServerHello& hello, bool retrying) override {
        if (retrying) return;
        std::lock_guard lock(mutex_);
        finish(Outcome::rejected, "rejected by server: " + describe_rejection(hello));
    }

    void on_connection_lost(const std::string&, std::chrono::milliseconds) override {
        std::lock_guard lock(mutex_);
        source_state_ = "unknown";
    }

    void on_reconnecting(std::uint64_t reconnects) override {
        std::lock_guard lock(mutex_);
        reconnects_ = reconnects;
    }

    // Presents the frames whose sound is being heard (all of them when there is no sound).
    void present_due(SteadyClock::time_point now) {
        const auto clock = audio_.clock_us(now);
        while (auto presented = scheduler_.next(now, clock)) {
            if (sync_) {
                sync_->frame_presented(presented->frame.timestamp_us, presented->frame.brightness,
                                       now);
            }
            if (!presented->av_offset_ms) continue;
            std::lock_guard lock(mutex_);
            av_offsets_ms_.push_back(*presented->av_offset_ms);
        }
    }

    // Waits until the run is over or `deadline` passes; true when it is over.
    bool wait_until_finished(SteadyClock::time_point deadline) {
        std::unique_lock lock(mutex_);
        return finished_signal_.wait_until(lock, deadline,
                                           [this] { return outcome_ != Outcome::running; });
    }

    void time_out() {
        std::lock_guard lock(mutex_);
        finish(Outcome::timed_out,
               "timed out after " + fixed(Seconds(settings_.timeout).count(), 1) + " s with " +
                   std::to_string(frames_) + " of " + std::to_string(settings_.frames) + " frames");
    }

    Outcome outcome() {
        std::lock_guard lock(mutex_);
        return outcome_;
    }

    std::string failure() {
        std::lock_guard lock(mutex_);
        return failure_;
    }

    // Frames that arrived but were no complete, decodable JPEG.
    std::uint64_t bad_frames() {
        std::lock_guard lock(mutex_);
        return decode_errors_ + truncated_frames_;
    }

    // Rate and median latency cover the frames since the previous progress line.
    std::string progress_line(SteadyClock::time_point now) {
        std::lock_guard lock(mutex_);
        const auto recent = std::span<const double>(latencies_ms_).subspan(progress_mark_);
        progress_mark_ = latencies_ms_.size();
        const auto latency = percentiles(recent);
        return json_object({
            {"type", json_string("progress")},
            {"elapsed_s", fixed(Seconds(now - start_).count(), 3)},
            {"frames", std::to_string(frames_)},
            {"fps", fixed(rate_.close_window(now), 2)},
            {"latency_ms_p50", latency ? fixed(latency->p50, 3) : "null"},
            {"sequence_gaps", std::to_string(gaps_.missing())},
            {"source_state", json_string(source_state_)},
            {"audio_state", json_string(to_string(audio_.status(now)))},
            {"audio_packets", std::to_string(audio_.counters().packets)},
            {"av_offset_ms", offsets_json(summarize_offsets(av_offsets_ms_))},
        });
    }

    std::string summary_line(SteadyClock::time_point now) {
        const AudioCounters audio = audio_.counters();
        std::lock_guard lock(mutex_);
        std::vector<std::pair<std::string_view, std::string>> fields{
            {"type", json_string("summary")},
            {"frames", std::to_string(frames_)},
            {"elapsed_s", fixed(Seconds(now - start_).count(), 3)},
            {"fps", fixed(stream_fps(), 2)},
            {"width", std::to_string(width_)},
            {"height", std::to_string(height_)},
            {"latency_ms", latency_json(percentiles(latencies_ms_))},
            {"sequence_gaps", std::to_string(gaps_.missing())},
            {"sequence_resets", std::to_string(gaps_.resets())},
            {"sequence_discontinuities", std::to_string(gaps_.discontinuities())},
            {"decode_errors", std::to_string(decode_errors_)},
            {"truncated_frames", std::to_string(truncated_frames_)},
            {"reconnects", std::to_string(reconnects_)},
            {"audio_state", json_string(to_string(audio_.status(now)))},
            {"audio_packets", std::to_string(audio.packets)},
            {"audio_gaps", std::to_string(audio.gaps)},
            {"audio_decode_errors", std::to_string(audio.decode_errors)},
            {"audio_underruns", std::to_string(audio.underruns)},
            {"audio_dropped", std::to_string(audio.dropped)},
            {"av_offset_ms", offsets_json(summarize_offsets(av_offsets_ms_))},
            {"frames_dropped_for_sync", std::to_string(scheduler_.dropped())},
        };
        if (sync_) fields.emplace_back("sync_report", sync_json(sync_->measurement()));
        return json_object(fields);
    }

private:
    // Called with the mutex held; the first outcome stands.
    void finish(Outcome outcome, std::string failure) {
        if (outcome_ != Outcome::running) return;
        outcome_ = outcome;
        failure_ = std::move(failure);
        finished_signal_.notify_all();
    }

    // The rate the frames actually came at, from the first to the last one, so
    // the time spent connecting does not dilute it.
    double stream_fps() const {
        if (frames_ < 2) return 0.0;
        const Seconds span = *last_frame_at_ - *first_frame_at_;
        return span.count() > 0 ? static_cast<double>(frames_ - 1) / span.count() : 0.0;
    }

    // What present_due hands on: only what the report needs, not the picture.
    struct PresentableFrame {
        std::uint64_t timestamp_us = 0;
        double brightness = 0;  // measured with --sync-report only
    };

    const HeadlessSettings& settings_;
    const SteadyClock::time_point start_;
    AudioSession& audio_;
    SyncReport* const sync_;
    FrameScheduler<PresentableFrame> scheduler_;

    std::mutex mutex_;
    std::condition_variable finished_signal_;
    Outcome outcome_ = Outcome::running;
    std::string failure_;
    std::uint64_t frames_ = 0;
    std::uint64_t decode_errors_ = 0;    // not a JPEG, or one that does not decode
    std::uint64_t truncated_frames_ = 0;  // a JPEG without its end marker
    std::uint64_t reconnects_ = 0;        // connection attempts after the first
    int width_ = 0;
    int height_ = 0;
    std::vector<double> latencies_ms_;
    std::size_t progress_mark_ = 0;  // first latency sample not yet in a progress line
    SequenceGapCounter gaps_;
    RateMeter rate_;
    std::optional<SteadyClock::time_point> first_frame_at_;
    std::optional<SteadyClock::time_point> last_frame_at_;
    std::string source_state_ = "unknown";
    std::vector<double> av_offsets_ms_;  // of every frame presented while sound played
};

void print_line(const std::string& line) {
    std::fputs(line.c_str(), stdout);
    std::fputc('\n', stdout);
    // Each line is flushed at once: readers follow the run live through a pipe.
    std::fflush(stdout);
}

}  // namespace

int run_headless(const StreamClientSettings& client_settings, const HeadlessSettings& settings) {
    if (settings.save_directory) {
        std::error_code error;
        std::filesystem::create_directories(*settings.save_directory, error);
        if (error) {
            std::fprintf(stderr, "camview: cannot create %s: %s\n",
                         settings.save_directory->c_str(), error.message().c_str());
            return 1;
        }
    }

    const auto start = SteadyClock::now();
    const auto deadline = start + settings.timeout;
    std::optional<SyncReport> sync;
    PcmTap tap;
    if (settings.sync_report) {
        sync.emplace();
        tap = [&sync](std::span<const std::int16_t> samples, int channels,
                      SteadyClock::time_point first_heard_at) {
            sync->sound_written(samples, channels, first_heard_at);
        };
    }
    AudioSession audio(settings.audio, std::move(tap));
    HeadlessRecorder recorder(settings, start, audio, sync ? &*sync : nullptr);
    StreamClient client(client_settings, recorder);
    client.start();

    auto next_progress = start + kProgressInterval;
    for (;;) {
        const auto look_again =
            SteadyClock::now() + (audio.status(SteadyClock::now()) == AudioStatus::playing
                                      ? kPresentIntervalPlaying
                                      : kPresentIntervalIdle);
        if (recorder.wait_until_finished(std::min({look_again, next_progress, deadline}))) break;
        const auto now = SteadyClock::now();
        recorder.present_due(now);
        if (now >= deadline) {
            recorder.time_out();
            break;
        }
        if (now >= next_progress) {
            print_line(recorder.progress_line(now));
            // After a stall, skip the missed ticks rather than print a burst.
            while (next_progress <= now) next_progress += kProgressInterval;
        }
    }
    const auto end = SteadyClock::now();
    client.stop();
    client.join();

    print_line(recorder.summary_line(end));
    if (recorder.outcome() == Outcome::complete) {
        const auto bad = recorder.bad_frames();
        if (bad == 0) return 0;
        std::fprintf(stderr, "camview: %llu of %llu frames were not complete JPEG images\n",
                     static_cast<unsigned long long>(bad),
                     static_cast<unsigned long long>(settings.frames));
        return kExitBadFrames;
    }
    // A rejection was already reported by the client as it happened.
    if (recorder.outcome() != Outcome::rejected) {
        std::fprintf(stderr, "camview: %s\n", recorder.failure().c_str());
    }
    return 1;
}

}  // namespace camstream::viewer
