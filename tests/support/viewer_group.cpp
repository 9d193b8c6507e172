// Groups of test viewers (see viewer_group.hpp).
#include "support/viewer_group.hpp"

#include <algorithm>
#include <chrono>

namespace camstream::test {

ViewerGroup::ViewerGroup(std::uint16_t port, std::size_t count, TestClient::Options options) {
    for (std::size_t i = 0; i < count; ++i) {
        clients_.push_back(std::make_unique<TestClient>(port, options));
        pointers_.push_back(clients_.back().get());
    }
}

std::vector<TestClient*> ViewerGroup::with(std::initializer_list<TestClient*> others) const {
    auto result = pointers_;
    result.insert(result.end(), others.begin(), others.end());
    return result;
}

std::size_t ViewerGroup::fewest_frames() const {
    std::size_t fewest = SIZE_MAX;
    for (const auto* client : pointers_) fewest = std::min(fewest, client->frames().size());
    return pointers_.empty() ? 0 : fewest;
}

std::uint64_t system_now_us() {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
}

std::size_t sequence_violations(const std::vector<ReceivedFrame>& frames) {
    std::size_t violations = 0;
    for (std::size_t i = 1; i < frames.size(); ++i) {
        if (frames[i].sequence <= frames[i - 1].sequence) ++violations;
    }
    return violations;
}

std::size_t invalid_jpegs(const std::vector<ReceivedFrame>& frames) {
    return static_cast<std::size_t>(
        std::count_if(frames.begin(), frames.end(), [](const auto& frame) { return !frame.valid_jpeg; }));
}

}  // namespace camstream::test
