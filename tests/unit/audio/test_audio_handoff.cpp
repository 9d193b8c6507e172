// AudioHandoff: packets reach the loop all and in order; when the loop falls
// more than the bound behind, the oldest are dropped and counted in the status.
#include "audio/audio_handoff.hpp"

#include <doctest/doctest.h>

#include <thread>

using namespace camstream;

namespace {

std::shared_ptr<Frame> packet_number(std::uint64_t sequence) {
    auto packet = std::make_shared<Frame>();
    packet->kind = MediaKind::opus_packet;
    packet->sequence = sequence;
    return packet;
}

}  // namespace

TEST_CASE("audio hand-off: packets arrive in order, and beyond the bound the oldest are dropped and counted") {
    uv_loop_t loop;
    REQUIRE(uv_loop_init(&loop) == 0);
    std::vector<AudioHandoff::Mail> delivered;
    bool closed = false;
    {
        AudioHandoff handoff(&loop, [&](AudioHandoff::Mail& mail) { delivered.push_back(std::move(mail)); }, 5);
        std::thread capture([&] {
            for (std::uint64_t sequence = 1; sequence <= 8; ++sequence) {
                AudioStatus status;
                status.packets_encoded = sequence;
                handoff.post_packet(packet_number(sequence), status);
            }
            handoff.post_stopped();
        });
        capture.join();
        uv_run(&loop, UV_RUN_NOWAIT);
        REQUIRE(delivered.size() == 1);
        auto& mail = delivered.front();
        REQUIRE(mail.packets.size() == 5);
        for (std::size_t i = 0; i < 5; ++i) CHECK(mail.packets[i]->sequence == 4 + i);
        REQUIRE(mail.status);
        CHECK(mail.status->packets_encoded == 8);
        CHECK(mail.status->packets_dropped == 3);
        CHECK(mail.stopped);

        handoff.close([&] { closed = true; });
        uv_run(&loop, UV_RUN_DEFAULT);
        CHECK(closed);
    }
    CHECK(uv_loop_close(&loop) == 0);
}

TEST_CASE("audio hand-off: the drop count stays in later statuses, and taken packets are not delivered again") {
    uv_loop_t loop;
    REQUIRE(uv_loop_init(&loop) == 0);
    std::vector<AudioHandoff::Mail> delivered;
    {
        AudioHandoff handoff(&loop, [&](AudioHandoff::Mail& mail) { delivered.push_back(std::move(mail)); }, 1);
        handoff.post_packet(packet_number(1), {});
        handoff.post_packet(packet_number(2), {});
        uv_run(&loop, UV_RUN_NOWAIT);
        handoff.post_status({});
        uv_run(&loop, UV_RUN_NOWAIT);
        REQUIRE(delivered.size() == 2);
        CHECK(delivered[0].packets.size() == 1);
        CHECK(delivered[1].packets.empty());
        REQUIRE(delivered[1].status);
        CHECK(delivered[1].status->packets_dropped == 1);
        handoff.close({});
        uv_run(&loop, UV_RUN_DEFAULT);
    }
    CHECK(uv_loop_close(&loop) == 0);
}
