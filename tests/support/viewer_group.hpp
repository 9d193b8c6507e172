// Groups of test viewers and the checks every integration test makes on a stream.
#pragma once

#include "support/test_client.hpp"

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace camstream::test {

// `count` viewers connected to one daemon port.
class ViewerGroup {
public:
    ViewerGroup(std::uint16_t port, std::size_t count, TestClient::Options options = {});

    std::size_t size() const { return clients_.size(); }
    TestClient& operator[](std::size_t index) { return *clients_[index]; }
    std::span<TestClient* const> all() const { return pointers_; }
    // This group plus `others`, for one poll loop over all of them.
    std::vector<TestClient*> with(std::initializer_list<TestClient*> others) const;

    std::size_t fewest_frames() const;

private:
    std::vector<std::unique_ptr<TestClient>> clients_;
    std::vector<TestClient*> pointers_;
};

// Microseconds since the Unix epoch, as the protocol's timestamps.
std::uint64_t system_now_us();

// Places where a frame's sequence number is not greater than the one before.
std::size_t sequence_violations(const std::vector<ReceivedFrame>& frames);
// Frames that are not a complete JPEG (SOI ... EOI).
std::size_t invalid_jpegs(const std::vector<ReceivedFrame>& frames);

}  // namespace camstream::test
