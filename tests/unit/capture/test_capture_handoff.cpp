// CaptureHandoff: what the capture thread posts reaches the loop thread as
// promised: the newest frame and status win (replaced frames counted), events
// arrive all and in order, whatever the loop was doing meanwhile.
#include "capture/capture_handoff.hpp"

#include <doctest/doctest.h>

#include <thread>

using namespace camstream;

namespace {

std::shared_ptr<Frame> frame_number(std::uint64_t sequence) {
    auto frame = std::make_shared<Frame>();
    frame->sequence = sequence;
    return frame;
}

CaptureStatus status_with(std::uint64_t frames_captured) {
    CaptureStatus status;
    status.frames_captured = frames_captured;
    return status;
}

}  // namespace

TEST_CASE("capture hand-off: the newest frame wins, replaced frames are counted, events all arrive in order") {
    uv_loop_t loop;
    REQUIRE(uv_loop_init(&loop) == 0);
    std::vector<CaptureHandoff::Mail> delivered;
    bool closed = false;
    {
        CaptureHandoff handoff(&loop, [&](CaptureHandoff::Mail& mail) { delivered.push_back(std::move(mail)); });
        // Everything is posted before the loop runs, from another thread, as the capture thread does.
        std::thread capture([&] {
            handoff.post_event({CaptureEvent::Kind::opened, {"test", 640, 480, 30}, {}});
            for (std::uint64_t sequence = 1; sequence <= 5; ++sequence) {
                handoff.post_frame(frame_number(sequence), status_with(sequence));
            }
            handoff.post_event({CaptureEvent::Kind::open_failed, {}, "second"});
            handoff.post_status(status_with(6));
            handoff.post_event({CaptureEvent::Kind::stopped, {}, {}});
        });
        capture.join();
        uv_run(&loop, UV_RUN_NOWAIT);
        REQUIRE(delivered.size() == 1);
        auto& mail = delivered.front();
        REQUIRE(mail.frame);
        CHECK(mail.frame->sequence == 5);
        CHECK(mail.frames_replaced == 4);
        REQUIRE(mail.status);
        CHECK(mail.status->frames_captured == 6);
        REQUIRE(mail.events.size() == 3);
        CHECK(mail.events[0].kind == CaptureEvent::Kind::opened);
        CHECK(mail.events[0].source.width == 640);
        CHECK(mail.events[1].reason == "second");
        CHECK(mail.events[2].kind == CaptureEvent::Kind::stopped);

        handoff.close([&] { closed = true; });
        uv_run(&loop, UV_RUN_DEFAULT);
        CHECK(closed);
    }
    CHECK(uv_loop_close(&loop) == 0);
}

TEST_CASE("capture hand-off: mail taken is not delivered again") {
    uv_loop_t loop;
    REQUIRE(uv_loop_init(&loop) == 0);
    int deliveries = 0;
    {
        CaptureHandoff handoff(&loop, [&](CaptureHandoff::Mail& mail) {
            ++deliveries;
            CHECK(mail.frame);
        });
        handoff.post_frame(frame_number(1), status_with(1));
        uv_run(&loop, UV_RUN_NOWAIT);
        handoff.post_frame(frame_number(2), status_with(2));
        uv_run(&loop, UV_RUN_NOWAIT);
        CHECK(deliveries == 2);
        handoff.close({});
        uv_run(&loop, UV_RUN_DEFAULT);
    }
    CHECK(uv_loop_close(&loop) == 0);
}
