// AudioCaptureThread: see audio_capture_thread.hpp.
#include "audio/audio_capture_thread.hpp"

#include "media/clock.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <stdexcept>

namespace camstream {
namespace {

// While nothing is encoded (nobody listens), the loop still hears this often
// that the microphone is alive.
constexpr auto kStatusInterval = std::chrono::milliseconds(250);

std::unique_ptr<AudioSource> make_source_or_throw(const AudioSettings& settings, const StopSignal& stop) {
    auto source = make_audio_source(settings, stop);
    if (!source) throw std::invalid_argument("audio.source is none: there is no audio to capture");
    return source;
}

}  // namespace

AudioCaptureThread::AudioCaptureThread(uv_loop_t* loop, const AudioSettings& settings,
                                       std::uint64_t first_sequence, Listener listener)
    : source_(make_source_or_throw(settings, stop_signal_)),
      description_(settings.source),
      listener_(std::move(listener)),
      format_{kAudioSampleRate, settings.channels, settings.bitrate},
      encoder_(settings.channels, settings.bitrate),
      retry_initial_(settings.retry_initial),
      retry_max_(std::max(settings.retry_max, settings.retry_initial)),
      samples_(static_cast<std::size_t>(kFramesPerPacket * settings.channels)),
      handoff_(loop, [this](AudioHandoff::Mail& mail) { deliver(mail); }),
      last_sequence_(first_sequence - 1) {}

AudioCaptureThread::~AudioCaptureThread() {
    stop_signal_.raise();
    if (thread_.joinable()) thread_.join();
}

void AudioCaptureThread::start() {
    thread_ = std::thread([this] { run(); });
}

void AudioCaptureThread::stop(std::function<void()> on_stopped) {
    stopping_ = true;
    on_stopped_ = std::move(on_stopped);
    stop_signal_.raise();
}

void AudioCaptureThread::deliver(AudioHandoff::Mail& mail) {
    if (stopping_) {
        // A stopping thread's packets and status are stale by definition.
        if (!mail.stopped) return;
        // Its last post is done: the join returns as soon as run() returns.
        thread_.join();
        handoff_.close(std::move(on_stopped_));
        return;
    }
    if (mail.status) listener_.status(*mail.status);
    const auto now = wall_clock_us();
    for (auto& packet : mail.packets) {
        packet->times.handed_over_us = now;
        // From here on the packet is shared and never changes.
        listener_.packet(FramePtr(std::move(packet)));
    }
}

bool AudioCaptureThread::open_source(bool first_attempt) {
    std::string error;
    if (!source_->open(error)) {
        if (first_attempt) {
            spdlog::error("audio source {} failed to open: {}; retrying", description_, error);
        } else {
            spdlog::debug("audio source {} still unavailable: {}", description_, error);
        }
        status_.last_error = error;
        return false;
    }
    description_ = source_->describe();
    spdlog::info("audio source {} {}: {} channel(s) at {} Hz, Opus at {} bit/s", description_,
                 first_attempt ? "opened" : "is back", format_.channels, format_.sample_rate, format_.bitrate);
    return true;
}

void AudioCaptureThread::run() {
    std::uint64_t sequence = last_sequence_.load();
    bool open = open_source(true);
    if (!open) status_.state = wire::SourceState::lost;
    post_status_if_due(true);
    // Doubles at each failed reopen, so a microphone gone for good costs
    // little, and starts short again once the source delivers.
    Duration retry = retry_initial_;
    // Whether the last packet was encoded: a listener arriving after a pause
    // gets an encoder that predicts nothing from stale sound.
    bool encoding = false;
    while (!stop_signal_.raised()) {
        if (!open) {
            if (stop_signal_.wait_for(retry)) break;
            open = open_source(false);
            retry = open ? retry_initial_ : std::min(retry * 2, retry_max_);
            continue;
        }
        std::int64_t first_sample_us = 0;
        if (!source_->read(samples_, first_sample_us)) {
            if (stop_signal_.raised()) break;
            status_.last_error = source_->last_error();
            if (status_.state != wire::SourceState::lost) {
                spdlog::error("audio source {} stopped delivering: {}; reopening", description_, status_.last_error);
                status_.state = wire::SourceState::lost;
                post_status_if_due(true);
            }
            open = false;
            continue;
        }
        ++status_.packets_read;
        status_.overruns = source_->overruns();
        status_.last_capture_us = first_sample_us;
        last_sequence_.store(++sequence, std::memory_order_relaxed);
        const bool changed = status_.state != wire::SourceState::live;
        if (changed) {
            spdlog::info("audio source {} is live", description_);
            status_.state = wire::SourceState::live;
        }
        if (listeners_.load(std::memory_order_relaxed) > 0) {
            if (!encoding) encoder_.reset();
            encoding = true;
            encode_and_post(sequence, first_sample_us);
        } else {
            encoding = false;
            post_status_if_due(changed);
        }
    }
    handoff_.post_stopped();
}

void AudioCaptureThread::post_status_if_due(bool now) {
    const auto at = StopSignal::Clock::now();
    if (!now && at - status_posted_ < kStatusInterval) return;
    status_posted_ = at;
    handoff_.post_status(status_);
}

void AudioCaptureThread::encode_and_post(std::uint64_t sequence, std::int64_t captured_us) {
    auto bytes = encoder_.encode(samples_);
    if (bytes.empty()) {
        spdlog::error("audio packet {} could not be encoded: {}", sequence, encoder_.last_error());
        post_status_if_due(false);
        return;
    }
    auto packet = std::make_shared<Frame>();
    packet->kind = MediaKind::opus_packet;
    packet->payload = std::make_shared<const std::vector<std::uint8_t>>(std::move(bytes));
    packet->sequence = sequence;
    packet->times.captured_us = captured_us;
    packet->times.encoded_us = wall_clock_us();
    ++status_.packets_encoded;
    status_posted_ = StopSignal::Clock::now();
    handoff_.post_packet(std::move(packet), status_);
}

}  // namespace camstream
