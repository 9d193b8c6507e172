// /healthz: healthy only while the source delivers (or is still within its
// start-up grace), with a JSON summary that stays valid whatever the source is called.
#include "http/health_report.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace camstream;

namespace {
constexpr std::int64_t kSecond = 1'000'000;
constexpr std::int64_t kStart = 1'700'000'000 * kSecond;

Health live_health(std::int64_t last_capture_us, std::string description = "/dev/video0 (USB camera)") {
    Health health;
    const int tcp = health.add_protocol("tcp");
    const int http = health.add_protocol("http");
    health.capture_started(kStart, 30);
    health.source_opened(SourceInfo{.description = std::move(description), .width = 1280, .height = 720, .fps = 30});
    health.capture_reported(CaptureStatus{.state = wire::SourceState::live, .last_capture_us = last_capture_us});
    for (const int protocol : {tcp, tcp, http}) health.viewer_joined(protocol);
    Frame frame;
    frame.times.handed_over_us = last_capture_us;
    for (int i = 0; i < 123; ++i) health.count_sent(tcp, frame, 1000, last_capture_us + 500);
    return health;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }
}  // namespace

TEST_CASE("healthz: a live source is healthy, with its picture, rate and viewers") {
    const auto now = kStart + 60 * kSecond;
    const auto report = health_report(live_health(now - 12'000), now);
    CHECK(report.healthy);
    CHECK(report.json ==
          R"json({"status":"ok","source":"live","source_description":"/dev/video0 (USB camera)","width":1280,)json"
          R"json("height":720,"fps":30,"last_frame_age_ms":12,"viewers":3,"viewers_by_protocol":{"tcp":2,"http":1},)json"
          R"json("frames_sent":123,"audio":"none","listeners":0})json");
}

TEST_CASE("healthz: the microphone is reported beside the camera, and its loss is not the camera's") {
    const auto now = kStart + 60 * kSecond;
    auto health = live_health(now - 12'000);
    health.audio_enabled(true);
    health.listener_joined(0);
    health.audio_reported(AudioStatus{.state = wire::SourceState::lost});
    const auto report = health_report(health, now);
    CHECK(report.healthy);
    CHECK(contains(report.json, R"("audio":"lost","listeners":1})"));
}

TEST_CASE("healthz: a source that stopped delivering is unhealthy and says for how long") {
    const auto now = kStart + 60 * kSecond;
    const auto report = health_report(live_health(now - 2'300'000), now);
    CHECK_FALSE(report.healthy);
    CHECK(contains(report.json, R"("status":"unhealthy","reason":"source lost: no frame for 2.3 s")"));
    CHECK(contains(report.json, R"("source":"lost")"));
    CHECK(contains(report.json, R"("last_frame_age_ms":2300)"));
}

TEST_CASE("healthz: a source the capture thread reports lost is unhealthy") {
    Health health = live_health(kStart + kSecond);
    health.capture_reported(CaptureStatus{.state = wire::SourceState::lost, .last_capture_us = kStart + kSecond});
    const auto report = health_report(health, kStart + kSecond + 100'000);
    CHECK_FALSE(report.healthy);
    CHECK(contains(report.json, R"("reason":"source lost: no frame for 0.1 s")"));
}

TEST_CASE("healthz: a starting source is healthy within its start-up grace, unhealthy after it") {
    Health health;
    health.add_protocol("tcp");
    health.capture_started(kStart, 30);
    auto report = health_report(health, kStart + 3 * kSecond);
    CHECK(report.healthy);
    CHECK(contains(report.json, R"({"status":"starting","source":"starting",)"));
    CHECK(contains(report.json, R"("fps":0,"last_frame_age_ms":null,"viewers":0,"viewers_by_protocol":{"tcp":0})"));
    CHECK_FALSE(contains(report.json, "reason"));

    report = health_report(health, kStart + 30 * kSecond);
    CHECK_FALSE(report.healthy);
    CHECK(contains(report.json, R"({"status":"unhealthy","reason":"source starting: no frame within the start-up grace")"));
}

TEST_CASE("healthz: the source description is escaped for JSON, whatever it holds") {
    const auto now = kStart + kSecond;
    const auto report = health_report(live_health(now, "cam \"front\"\\door\nline\x01 caf\xC3\xA9 \xFF"), now);
    CHECK(contains(report.json, R"("source_description":"cam \"front\"\\door\nline\u0001 café \ufffd",)"));
}

TEST_CASE("healthz: json_string escapes control characters and replaces invalid UTF-8") {
    CHECK(json_string("") == R"("")");
    CHECK(json_string("tab\there\r\b\f") == R"("tab\there\r\b\f")");
    CHECK(json_string(std::string("nul\0end", 7)) == R"("nul\u0000end")");
    CHECK(json_string("\x1F\x7F") == "\"\\u001f\x7F\"");
    CHECK(json_string("\xE2\x82\xAC \xF0\x9F\x93\xB7") == "\"\xE2\x82\xAC \xF0\x9F\x93\xB7\"");  // € and 📷 kept
    CHECK(json_string("\xC0\xAF") == R"("\ufffd\ufffd")");   // overlong '/'
    CHECK(json_string("\xED\xA0\x80") == R"("\ufffd\ufffd\ufffd")");  // a surrogate
    CHECK(json_string("\xE2\x82") == R"("\ufffd\ufffd")");    // cut short
}
