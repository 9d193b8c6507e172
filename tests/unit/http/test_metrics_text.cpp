// /metrics: the Prometheus text of a Health built by hand, checked line by
// line, for histogram shape, and by promtool itself.
#include "http/metrics_text.hpp"

#include "version.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

using namespace camstream;

namespace {
constexpr std::int64_t kSecond = 1'000'000;
constexpr std::int64_t kStart = 1'700'000'000 * kSecond;
constexpr std::int64_t kNow = kStart + 60 * kSecond;

Frame frame_with_times(std::int64_t captured_us, std::int64_t encoded_us, std::int64_t handed_over_us) {
    Frame frame;
    frame.times = StageTimes{.captured_us = captured_us, .encoded_us = encoded_us, .handed_over_us = handed_over_us};
    return frame;
}

// A daemon a minute after start: live 1280x720 source, two tcp viewers, one http.
Health busy_health() {
    Health health;
    const int tcp = health.add_protocol("tcp");
    const int http = health.add_protocol("http");
    health.capture_started(kStart, 30);
    health.source_opened(SourceInfo{.description = "test pattern", .width = 1280, .height = 720, .fps = 30});
    health.capture_reported(CaptureStatus{.state = wire::SourceState::live,
                                          .frames_captured = 1800,
                                          .frames_encoded = 1790,
                                          .frames_passed_through = 0,
                                          .frames_broken = 3,
                                          .last_sequence = 1800,
                                          .last_capture_us = kNow - 12'000});
    for (const int protocol : {tcp, tcp, http}) {
        health.connection_opened(protocol);
        health.viewer_joined(protocol);
    }
    health.connection_opened(http);  // still greeting
    // Encode 5 ms, hand-over 300 µs, send 800 µs to each of the three viewers.
    const auto frame = frame_with_times(kNow - 7000, kNow - 2000, kNow - 1700);
    for (int i = 0; i < 10; ++i) {
        health.frame_handed_over(frame, i == 0 ? 2 : 0);
        for (const int protocol : {tcp, tcp, http}) health.count_sent(protocol, frame, 50'000, kNow - 900);
    }
    health.count_dropped(tcp, DropCause::queue_full, 4);
    health.count_rejection(http, Rejection::server_full);
    health.count_rejection(http, Rejection::server_full);
    health.count_stall(tcp);
    return health;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

// Series (name and labels, as written) -> value, for every sample line.
std::map<std::string, std::string> samples_of(const std::string& text) {
    std::map<std::string, std::string> samples;
    for (const auto& line : lines_of(text)) {
        if (line.empty() || line[0] == '#') continue;
        const auto space = line.rfind(' ');
        samples[line.substr(0, space)] = line.substr(space + 1);
    }
    return samples;
}

std::string bucket(std::string_view stage, std::string_view le) {
    return "camstream_stage_latency_seconds_bucket{stage=\"" + std::string(stage) + "\",le=\"" + std::string(le) +
           "\"}";
}

// The `le` labels of one stage's buckets, in order, +Inf last.
std::vector<std::string> le_labels(const std::string& text, std::string_view stage) {
    std::vector<std::string> labels;
    const std::string prefix = "camstream_stage_latency_seconds_bucket{stage=\"" + std::string(stage) + "\",le=\"";
    for (const auto& line : lines_of(text)) {
        if (line.rfind(prefix, 0) != 0) continue;
        labels.push_back(line.substr(prefix.size(), line.find('"', prefix.size()) - prefix.size()));
    }
    return labels;
}

struct CommandResult {
    int exit_status = -1;
    std::string output;
};

CommandResult run(const std::string& command) {
    CommandResult result;
    FILE* pipe = popen(command.c_str(), "r");
    REQUIRE(pipe != nullptr);
    char buffer[512];
    while (const auto n = std::fread(buffer, 1, sizeof buffer, pipe)) result.output.append(buffer, n);
    const int status = pclose(pipe);
    result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}
}  // namespace

TEST_CASE("metrics: build info, start time and capture counters carry their values") {
    const auto samples = samples_of(prometheus_metrics(busy_health(), kNow, kStart));
    CHECK(samples.at("camstream_build_info{version=\"" + std::string(kVersion) + "\"}") == "1");
    CHECK(samples.at("camstream_start_time_seconds") == "1700000000");
    CHECK(samples.at("camstream_frames_captured_total") == "1800");
    CHECK(samples.at("camstream_frames_encoded_total") == "1790");
    CHECK(samples.at("camstream_frames_passed_through_total") == "0");
    CHECK(samples.at("camstream_frames_broken_total") == "3");
    CHECK(samples.at("camstream_frames_handed_over_total") == "10");
    CHECK(samples.at("camstream_frames_replaced_total") == "2");
    CHECK(samples.at("camstream_last_frame_age_seconds") == "0.012");
}

TEST_CASE("metrics: the source state is one-hot and source_up follows it") {
    Health health = busy_health();
    auto samples = samples_of(prometheus_metrics(health, kNow, kStart));
    CHECK(samples.at("camstream_source_up") == "1");
    CHECK(samples.at("camstream_source_state{state=\"live\"}") == "1");
    CHECK(samples.at("camstream_source_state{state=\"lost\"}") == "0");
    CHECK(samples.at("camstream_source_state{state=\"starting\"}") == "0");

    CHECK(samples.at("camstream_source_opens_total") == "1");
    CHECK(samples.at("camstream_source_open_failures_total") == "0");

    // A camera unplugged, two failed attempts, then back.
    health.source_open_failed();
    health.source_open_failed();
    health.source_opened(SourceInfo{.description = "test pattern", .width = 1280, .height = 720, .fps = 30});
    samples = samples_of(prometheus_metrics(health, kNow, kStart));
    CHECK(samples.at("camstream_source_opens_total") == "2");
    CHECK(samples.at("camstream_source_open_failures_total") == "2");

    // Ten seconds without a frame: lost, though the capture thread still says live.
    samples = samples_of(prometheus_metrics(health, kNow + 10 * kSecond, kStart));
    CHECK(samples.at("camstream_source_up") == "0");
    CHECK(samples.at("camstream_source_state{state=\"live\"}") == "0");
    CHECK(samples.at("camstream_source_state{state=\"lost\"}") == "1");
}

TEST_CASE("metrics: before the first frame there is no last-frame age, only its HELP and TYPE") {
    Health health;
    health.capture_started(kStart, 30);
    const auto text = prometheus_metrics(health, kStart + kSecond, kStart);
    CHECK(text.find("# TYPE camstream_last_frame_age_seconds gauge\n") != std::string::npos);
    CHECK(samples_of(text).count("camstream_last_frame_age_seconds") == 0);
    CHECK(samples_of(text).at("camstream_source_state{state=\"starting\"}") == "1");
}

TEST_CASE("metrics: viewer counters are labelled by protocol, every drop and rejection reason present") {
    const auto samples = samples_of(prometheus_metrics(busy_health(), kNow, kStart));
    CHECK(samples.at("camstream_viewers{protocol=\"tcp\"}") == "2");
    CHECK(samples.at("camstream_viewers{protocol=\"http\"}") == "1");
    CHECK(samples.at("camstream_open_connections{protocol=\"http\"}") == "2");
    CHECK(samples.at("camstream_connections_total{protocol=\"tcp\"}") == "2");
    CHECK(samples.at("camstream_frames_sent_total{protocol=\"tcp\"}") == "20");
    CHECK(samples.at("camstream_frames_sent_total{protocol=\"http\"}") == "10");
    CHECK(samples.at("camstream_sent_bytes_total{protocol=\"tcp\"}") == "1000000");
    CHECK(samples.at("camstream_stalls_total{protocol=\"tcp\"}") == "1");
    CHECK(samples.at("camstream_stalls_total{protocol=\"http\"}") == "0");
    CHECK(samples.at("camstream_frames_dropped_total{protocol=\"tcp\",reason=\"queue_full\"}") == "4");
    CHECK(samples.at("camstream_rejections_total{protocol=\"http\",reason=\"server_full\"}") == "2");
    for (const std::string protocol : {"tcp", "http"}) {
        for (std::size_t i = 0; i < kDropCauses; ++i) {
            CHECK(samples.count("camstream_frames_dropped_total{protocol=\"" + protocol + "\",reason=\"" +
                                std::string(to_string(static_cast<DropCause>(i))) + "\"}") == 1);
        }
        for (std::size_t i = 0; i < kRejectionKinds; ++i) {
            CHECK(samples.count("camstream_rejections_total{protocol=\"" + protocol + "\",reason=\"" +
                                std::string(to_string(static_cast<Rejection>(i))) + "\"}") == 1);
        }
    }
    CHECK(samples.at("camstream_rejections_total{protocol=\"tcp\",reason=\"unauthorized\"}") == "0");
}

TEST_CASE("metrics: every family has HELP and TYPE, counters end in _total, samples follow their family") {
    const auto text = prometheus_metrics(busy_health(), kNow, kStart);
    std::map<std::string, std::string> types;
    std::set<std::string> helped;
    std::string current_family;
    for (const auto& line : lines_of(text)) {
        REQUIRE_FALSE(line.empty());
        std::istringstream words(line);
        std::string first, keyword, name, type;
        words >> first;
        if (first == "#") {
            words >> keyword >> name;
            if (keyword == "HELP") {
                CHECK_MESSAGE(helped.insert(name).second, name << " has two HELP lines");
                current_family = name;
            } else {
                REQUIRE(keyword == "TYPE");
                words >> type;
                CHECK_MESSAGE(types.emplace(name, type).second, name << " has two TYPE lines");
                CHECK(name == current_family);
            }
            continue;
        }
        // A sample belongs to the family just declared (histograms add _bucket, _sum, _count).
        const auto series = first.substr(0, first.find('{'));
        CHECK_MESSAGE(series.rfind(current_family, 0) == 0, series << " is outside its family " << current_family);
    }
    for (const auto& [name, type] : types) {
        CHECK_MESSAGE(helped.count(name) == 1, name << " has no HELP");
        CHECK(name.rfind("camstream_", 0) == 0);
        if (type == "counter") CHECK_MESSAGE(name.ends_with("_total"), name);
        else CHECK_MESSAGE(!name.ends_with("_total"), name);
    }
    CHECK(types.at("camstream_stage_latency_seconds") == "histogram");
    CHECK(helped.size() == types.size());
}

TEST_CASE("metrics: stage latency histograms are cumulative, in seconds, +Inf equal to _count") {
    const auto text = prometheus_metrics(busy_health(), kNow, kStart);
    const auto samples = samples_of(text);
    for (const std::string stage : {"encode", "hand_over", "send"}) {
        const auto labels = le_labels(text, stage);
        REQUIRE(labels.size() == latency_bounds().size() + 1);
        CHECK(labels.size() >= 15);
        CHECK(labels.size() <= 21);
        CHECK(labels.front() == "0.0001");
        CHECK(labels[labels.size() - 2] == "10");
        CHECK(labels.back() == "+Inf");
        double previous_le = 0;
        std::uint64_t previous_count = 0;
        for (const auto& le : labels) {
            const auto count = std::stoull(samples.at(bucket(stage, le)));
            CHECK_MESSAGE(count >= previous_count, stage << " bucket le=" << le << " is below the one before");
            previous_count = count;
            if (le == "+Inf") continue;
            CHECK(std::stod(le) > previous_le);
            previous_le = std::stod(le);
        }
        CHECK(samples.at(bucket(stage, "+Inf")) ==
              samples.at("camstream_stage_latency_seconds_count{stage=\"" + stage + "\"}"));
    }
    // 10 encodes of 5 ms, 10 hand-overs of 300 µs, 30 sends of 800 µs.
    CHECK(samples.at("camstream_stage_latency_seconds_count{stage=\"encode\"}") == "10");
    CHECK(samples.at("camstream_stage_latency_seconds_count{stage=\"send\"}") == "30");
    CHECK(std::stod(samples.at("camstream_stage_latency_seconds_sum{stage=\"encode\"}")) == doctest::Approx(0.05));
    CHECK(std::stod(samples.at("camstream_stage_latency_seconds_sum{stage=\"send\"}")) == doctest::Approx(0.024));
    CHECK(samples.at(bucket("encode", "0.001995")) == "0");
    CHECK(samples.at(bucket("encode", "0.005011")) == "10");
    CHECK(samples.at(bucket("hand_over", "0.000199")) == "0");
    CHECK(samples.at(bucket("hand_over", "0.000501")) == "10");
    CHECK(samples.at(bucket("send", "0.000501")) == "0");
    CHECK(samples.at(bucket("send", "0.001")) == "30");
}

TEST_CASE("metrics: each le bound is exactly the largest whole-µs latency its buckets hold") {
    // Encode samples exactly at each bound, hand-over samples one µs past it:
    // the k-th bucket holds k + 1 of the first and k of the second.
    Health health;
    health.add_protocol("tcp");
    for (const auto& bound : latency_bounds()) {
        CHECK(LatencyHistogram::bucket_index(bound.largest_us) <= bound.bucket);
        CHECK(LatencyHistogram::bucket_index(bound.largest_us + 1) > bound.bucket);
        health.frame_handed_over(frame_with_times(0, bound.largest_us, 2 * bound.largest_us + 1), 0);
    }
    const auto text = prometheus_metrics(health, kNow, kStart);
    const auto samples = samples_of(text);
    const auto labels = le_labels(text, "encode");
    for (std::size_t k = 0; k + 1 < labels.size(); ++k) {
        CHECK(std::stoull(samples.at(bucket("encode", labels[k]))) == k + 1);
        CHECK(std::stoull(samples.at(bucket("hand_over", labels[k]))) == k);
        CHECK(std::llround(std::stod(labels[k]) * 1e6) == latency_bounds()[k].largest_us);
    }
}

TEST_CASE("metrics: label values are escaped") {
    Health health;
    health.add_protocol("we\"ird\\name\n");
    const auto text = prometheus_metrics(health, kNow, kStart);
    CHECK(text.find(R"(camstream_viewers{protocol="we\"ird\\name\n"} 0)") != std::string::npos);
}

TEST_CASE("metrics: promtool check metrics accepts the text with no lint problems") {
    constexpr const char* kPromtool = "/usr/bin/promtool";
    if (access(kPromtool, X_OK) != 0) {
        MESSAGE("promtool is not installed (Debian package prometheus): skipped");
        return;
    }
    // Both a busy daemon and one that has seen nothing yet.
    for (const auto& text : {prometheus_metrics(busy_health(), kNow, kStart),
                             prometheus_metrics(Health{}, kStart, kStart)}) {
        const auto path = std::filesystem::temp_directory_path() /
                          ("camstream_metrics_" + std::to_string(getpid()) + ".prom");
        std::ofstream(path) << text;
        const auto result = run(std::string(kPromtool) + " check metrics < " + path.string() + " 2>&1");
        std::filesystem::remove(path);
        INFO("promtool said:\n" << result.output);
        CHECK(result.exit_status == 0);
        CHECK(result.output.empty());
    }
}
