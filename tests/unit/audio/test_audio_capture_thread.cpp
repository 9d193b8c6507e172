// AudioCaptureThread with a tone source and a real libuv loop: with nobody
// listening it reads (status says so) but encodes nothing; with a listener
// Opus packets arrive in order with consecutive sequence numbers; stop()
// returns at once and on_stopped follows promptly.
#include "audio/audio_capture_thread.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <vector>

using namespace camstream;
using namespace std::chrono_literals;

namespace {

// Runs the loop for `duration`, then returns.
void run_loop_for(uv_loop_t* loop, std::chrono::milliseconds duration) {
    UvHandle<uv_timer_t> timer(loop, uv_timer_init);
    timer.get()->data = loop;
    start_timer(timer, [](uv_timer_t* handle) { uv_stop(static_cast<uv_loop_t*>(handle->data)); },
                static_cast<std::uint64_t>(duration.count()), 0);
    uv_run(loop, UV_RUN_DEFAULT);
    timer.close();
    uv_run(loop, UV_RUN_NOWAIT);
}

}  // namespace

TEST_CASE("audio capture thread: encodes only while someone listens, in order, and stops promptly") {
    uv_loop_t loop;
    REQUIRE(uv_loop_init(&loop) == 0);
    std::vector<FramePtr> packets;
    AudioStatus status;
    AudioSettings settings;
    settings.source = "tone:440";
    settings.channels = 2;
    settings.bitrate = 32000;
    {
        AudioCaptureThread thread(&loop, settings, 1000,
                                  {[&](FramePtr packet) { packets.push_back(std::move(packet)); },
                                   [&](const AudioStatus& latest) { status = latest; }});
        CHECK(thread.format().sample_rate == 48000);
        CHECK(thread.format().channels == 2);
        CHECK(thread.format().bitrate == 32000);
        thread.start();

        run_loop_for(&loop, 400ms);
        CHECK(packets.empty());
        CHECK(status.state == wire::SourceState::live);
        CHECK(status.packets_read >= 10);
        CHECK(status.packets_encoded == 0);
        const auto read_before = thread.last_sequence();
        CHECK(read_before >= 1009);

        thread.set_listeners(1);
        run_loop_for(&loop, 400ms);
        REQUIRE(packets.size() >= 10);
        // Numbering counts every packet read, so the first encoded one comes after those read unheard.
        CHECK(packets.front()->sequence > read_before);
        for (std::size_t i = 0; i < packets.size(); ++i) {
            const auto& packet = *packets[i];
            CHECK(packet.kind == MediaKind::opus_packet);
            CHECK_FALSE(packet.bytes().empty());
            CHECK(packet.width == 0);
            CHECK(packet.times.captured_us <= packet.times.encoded_us);
            CHECK(packet.times.encoded_us <= packet.times.handed_over_us);
            if (i > 0) {
                CHECK(packet.sequence == packets[i - 1]->sequence + 1);
                CHECK(packet.times.captured_us - packets[i - 1]->times.captured_us == 20000);
            }
        }
        CHECK(status.packets_encoded == packets.size());
        CHECK(status.packets_dropped == 0);

        thread.set_listeners(0);
        run_loop_for(&loop, 100ms);
        const auto delivered = packets.size();
        run_loop_for(&loop, 200ms);
        CHECK(packets.size() == delivered);

        bool stopped = false;
        const auto asked = std::chrono::steady_clock::now();
        thread.stop([&] { stopped = true; });
        CHECK(std::chrono::steady_clock::now() - asked < 5ms);
        while (!stopped && std::chrono::steady_clock::now() - asked < 2s) uv_run(&loop, UV_RUN_ONCE);
        CHECK(stopped);
        CHECK(std::chrono::steady_clock::now() - asked < 100ms);
    }
    CHECK(uv_loop_close(&loop) == 0);
}

TEST_CASE("audio capture thread: audio.source none is refused, there being nothing to capture") {
    uv_loop_t loop;
    REQUIRE(uv_loop_init(&loop) == 0);
    CHECK_THROWS_AS(AudioCaptureThread(&loop, AudioSettings{}, 1, {}), std::invalid_argument);
    CHECK(uv_loop_close(&loop) == 0);
}
