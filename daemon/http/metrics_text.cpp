// Prometheus text for /metrics: see metrics_text.hpp.
#include "http/metrics_text.hpp"

#include "version.hpp"

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <initializer_list>
#include <iterator>
#include <utility>

namespace camstream {
namespace {

using Label = std::pair<std::string_view, std::string_view>;

// Every state a source can be in, for the one-hot camstream_source_state:
// a state missing here would never be reported, so keep it in step with wire.hpp.
constexpr std::array kSourceStates{wire::SourceState::starting, wire::SourceState::live, wire::SourceState::lost};
constexpr std::array kAudioStates{wire::AudioState::none, wire::AudioState::starting, wire::AudioState::live,
                                  wire::AudioState::lost};

double seconds(std::int64_t microseconds) { return static_cast<double>(microseconds) / 1e6; }

// Appends one family at a time; the format requires a family's samples to be contiguous.
class Exposition {
public:
    void family(std::string_view name, std::string_view type, std::string_view help) {
        fmt::format_to(std::back_inserter(text_), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
    }

    void sample(std::string_view name, std::initializer_list<Label> labels, std::uint64_t value) {
        labelled(name, labels);
        fmt::format_to(std::back_inserter(text_), " {}\n", value);
    }
    void sample(std::string_view name, std::initializer_list<Label> labels, int value) {
        labelled(name, labels);
        fmt::format_to(std::back_inserter(text_), " {}\n", value);
    }
    void sample(std::string_view name, std::initializer_list<Label> labels, double value) {
        labelled(name, labels);
        text_ += ' ';
        if (std::isnan(value)) text_ += "NaN";
        else if (std::isinf(value)) text_ += value > 0 ? "+Inf" : "-Inf";
        else fmt::format_to(std::back_inserter(text_), "{}", value);
        text_ += '\n';
    }

    std::string take() { return std::move(text_); }

private:
    void labelled(std::string_view name, std::initializer_list<Label> labels) {
        text_ += name;
        if (labels.size() == 0) return;
        text_ += '{';
        bool first = true;
        for (const auto& [label, value] : labels) {
            if (!first) text_ += ',';
            first = false;
            text_ += label;
            text_ += "=\"";
            append_label_value(value);
            text_ += '"';
        }
        text_ += '}';
    }

    // Label values escape backslash, double quote and line feed; nothing else.
    void append_label_value(std::string_view value) {
        for (const char c : value) {
            switch (c) {
                case '\\': text_ += "\\\\"; break;
                case '"': text_ += "\\\""; break;
                case '\n': text_ += "\\n"; break;
                default: text_ += c;
            }
        }
    }

    std::string text_;
};

void capture_families(Exposition& out, const Health& health, std::int64_t now_us) {
    out.family("camstream_frames_captured_total", "counter", "Frames grabbed from the source, over every capture thread.");
    out.sample("camstream_frames_captured_total", {}, health.frames_captured());
    out.family("camstream_frames_encoded_total", "counter", "Frames encoded to JPEG by camstream.");
    out.sample("camstream_frames_encoded_total", {}, health.frames_encoded());
    out.family("camstream_frames_passed_through_total", "counter",
               "Frames the camera delivered as JPEG and camstream sent unchanged.");
    out.sample("camstream_frames_passed_through_total", {}, health.frames_passed_through());
    out.family("camstream_frames_broken_total", "counter", "Frames received from the source but dropped as broken.");
    out.sample("camstream_frames_broken_total", {}, health.frames_broken());
    out.family("camstream_frames_handed_over_total", "counter",
               "Frames the event loop took from the capture thread to send to viewers.");
    out.sample("camstream_frames_handed_over_total", {}, health.frames_handed_over());
    out.family("camstream_frames_replaced_total", "counter",
               "Frames replaced by a newer one before the event loop took them.");
    out.sample("camstream_frames_replaced_total", {}, health.frames_replaced());

    const auto state = health.source_state(now_us);
    out.family("camstream_source_up", "gauge", "1 while the source delivers frames (state live), else 0.");
    out.sample("camstream_source_up", {}, state == wire::SourceState::live ? 1 : 0);
    out.family("camstream_source_state", "gauge", "The source's state, one-hot: 1 for the current state, 0 for the others.");
    for (const auto each : kSourceStates) {
        out.sample("camstream_source_state", {{"state", wire::to_string(each)}}, each == state ? 1 : 0);
    }
    out.family("camstream_source_opens_total", "counter",
               "Times the source was opened: the first open, then each reopen after a loss or a reload.");
    out.sample("camstream_source_opens_total", {}, health.source_opens());
    out.family("camstream_source_open_failures_total", "counter", "Attempts to open the source that failed.");
    out.sample("camstream_source_open_failures_total", {}, health.source_open_failures());
    // No sample before the first frame: an age since nothing would be invented.
    out.family("camstream_last_frame_age_seconds", "gauge", "Seconds since the last frame was grabbed from the source.");
    if (const auto age_ms = health.last_frame_age_ms(now_us)) {
        out.sample("camstream_last_frame_age_seconds", {}, static_cast<double>(*age_ms) / 1e3);
    }
}

void audio_families(Exposition& out, const Health& health) {
    const auto state = health.audio_state();
    out.family("camstream_audio_state", "gauge",
               "The microphone's state, one-hot (none: audio.source is none).");
    for (const auto each : kAudioStates) {
        out.sample("camstream_audio_state", {{"state", wire::to_string(each)}}, each == state ? 1 : 0);
    }
    const auto& audio = health.audio();
    out.family("camstream_audio_packets_read_total", "counter", "20 ms audio packets read from the source.");
    out.sample("camstream_audio_packets_read_total", {}, audio.packets_read);
    out.family("camstream_audio_packets_encoded_total", "counter", "Audio packets encoded to Opus (only while someone listens).");
    out.sample("camstream_audio_packets_encoded_total", {}, audio.packets_encoded);
    out.family("camstream_audio_overruns_total", "counter", "Times the source lost samples because they were not read in time.");
    out.sample("camstream_audio_overruns_total", {}, audio.overruns);
}

void protocol_families(Exposition& out, const Health& health) {
    const auto& protocols = health.protocols();
    const auto gauge = [&](std::string_view name, std::string_view help, int ProtocolCounters::*field) {
        out.family(name, "gauge", help);
        for (const auto& p : protocols) out.sample(name, {{"protocol", p.name}}, p.*field);
    };
    const auto counter = [&](std::string_view name, std::string_view help, std::uint64_t ProtocolCounters::*field) {
        out.family(name, "counter", help);
        for (const auto& p : protocols) out.sample(name, {{"protocol", p.name}}, p.*field);
    };
    gauge("camstream_viewers", "Viewers receiving frames now.", &ProtocolCounters::viewers);
    gauge("camstream_listeners", "Viewers receiving audio now.", &ProtocolCounters::listeners);
    counter("camstream_audio_packets_sent_total", "Audio packets written completely to a viewer's socket.",
            &ProtocolCounters::audio_packets_sent);
    counter("camstream_audio_packets_dropped_total",
            "Audio packets a viewer lost, whole, because its audio queue was full.",
            &ProtocolCounters::audio_packets_dropped);
    gauge("camstream_open_connections", "Connections open now, viewers and those still greeting.",
          &ProtocolCounters::open_connections);
    counter("camstream_connections_total", "Connections accepted.", &ProtocolCounters::connections);
    counter("camstream_frames_sent_total", "Frames written completely to a viewer's socket.",
            &ProtocolCounters::frames_sent);
    counter("camstream_sent_bytes_total", "Bytes of frames and audio written to viewers' sockets.",
            &ProtocolCounters::bytes_sent);
    counter("camstream_stalls_total", "Viewers disconnected because their writes stopped moving.",
            &ProtocolCounters::stalls);

    // Every reason, zeros included, so that rate() has a series from the first scrape.
    out.family("camstream_frames_dropped_total", "counter", "Frames a viewer lost before they were sent, by reason.");
    for (const auto& p : protocols) {
        for (std::size_t i = 0; i < kDropCauses; ++i) {
            out.sample("camstream_frames_dropped_total",
                       {{"protocol", p.name}, {"reason", to_string(static_cast<DropCause>(i))}}, p.frames_dropped[i]);
        }
    }
    out.family("camstream_rejections_total", "counter", "Connections refused before they became viewers, by reason.");
    for (const auto& p : protocols) {
        for (std::size_t i = 0; i < kRejectionKinds; ++i) {
            out.sample("camstream_rejections_total",
                       {{"protocol", p.name}, {"reason", to_string(static_cast<Rejection>(i))}}, p.rejections[i]);
        }
    }
}

void latency_family(Exposition& out, const Health& health) {
    constexpr std::string_view name = "camstream_stage_latency_seconds";
    out.family(name, "histogram",
               "Time a frame spent in one stage: encode (captured to encoded), hand_over (encoded to taken by the "
               "event loop), send (taken by the loop to a viewer's last byte in the kernel, once per viewer).");
    const auto& latencies = health.latencies();
    const std::array<std::pair<std::string_view, const LatencyHistogram*>, 3> stages{
        {{"encode", &latencies.encode}, {"hand_over", &latencies.hand_over}, {"send", &latencies.send}}};
    for (const auto& [stage, histogram] : stages) {
        // The native buckets are summed up to each bound: cumulative by construction.
        std::uint64_t cumulative = 0;
        std::size_t next_bucket = 0;
        for (const auto& bound : latency_bounds()) {
            for (; next_bucket <= bound.bucket; ++next_bucket) cumulative += histogram->bucket(next_bucket);
            const auto le = fmt::format("{}", seconds(bound.largest_us));
            out.sample("camstream_stage_latency_seconds_bucket", {{"stage", stage}, {"le", le}}, cumulative);
        }
        out.sample("camstream_stage_latency_seconds_bucket", {{"stage", stage}, {"le", "+Inf"}}, histogram->count());
        out.sample("camstream_stage_latency_seconds_sum", {{"stage", stage}}, seconds(histogram->sum_us()));
        out.sample("camstream_stage_latency_seconds_count", {{"stage", stage}}, histogram->count());
    }
}

}  // namespace

std::span<const LatencyBound> latency_bounds() {
    // 320 native buckets would make 960 lines a scrape; 16 bounds at the native
    // edges nearest 1, 2 and 5 per decade keep the counts exact. An `le` must
    // not be a rounded edge: a 200 µs sample is counted above the edge at
    // 199.5 µs, so that bound says 0.000199, the largest whole µs below it.
    static const auto bounds = [] {
        constexpr std::array<int, 3> kEdgesInDecade{0, 12, 28};  // 10^0, 10^0.3 ~ 2, 10^0.7 ~ 5
        constexpr int kFirstDecade = 2;                          // 100 µs
        constexpr int kLastDecade = 7;                           // 10 s
        std::array<LatencyBound, 3 * (kLastDecade - kFirstDecade) + 1> result{};
        std::size_t n = 0;
        for (int decade = kFirstDecade; decade <= kLastDecade; ++decade) {
            for (const int edge : kEdgesInDecade) {
                if (decade == kLastDecade && edge != 0) break;
                const auto bucket = static_cast<std::size_t>(decade * LatencyHistogram::kBucketsPerDecade + edge);
                // Start at the edge and step to the largest whole µs add() still counts in this bucket.
                auto largest = static_cast<std::int64_t>(std::floor(LatencyHistogram::upper_bound_us(bucket)));
                while (LatencyHistogram::bucket_index(largest + 1) <= bucket) ++largest;
                while (LatencyHistogram::bucket_index(largest) > bucket) --largest;
                result[n++] = LatencyBound{bucket, largest};
            }
        }
        return result;
    }();
    return bounds;
}

std::string prometheus_metrics(const Health& health, std::int64_t now_us, std::int64_t started_us) {
    Exposition out;
    out.family("camstream_build_info", "gauge", "Always 1; the version label is camstreamd's version.");
    out.sample("camstream_build_info", {{"version", kVersion}}, 1);
    out.family("camstream_start_time_seconds", "gauge", "When camstreamd started, in seconds since the Unix epoch.");
    out.sample("camstream_start_time_seconds", {}, seconds(started_us));
    capture_families(out, health, now_us);
    audio_families(out, health);
    protocol_families(out, health);
    latency_family(out, health);
    return out.take();
}

}  // namespace camstream
