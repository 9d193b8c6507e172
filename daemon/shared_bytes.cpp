// SharedBytes: see shared_bytes.hpp.
#include "shared_bytes.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cstring>

namespace camstream {
namespace {

// An anonymous private mapping, read-only once filled, unmapped when destroyed.
class ReadOnlyMapping {
public:
    explicit ReadOnlyMapping(std::size_t size) : size_(size) {
        void* address = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (address != MAP_FAILED) base_ = static_cast<std::uint8_t*>(address);
    }
    ~ReadOnlyMapping() {
        if (base_ != nullptr) munmap(base_, size_);
    }
    ReadOnlyMapping(const ReadOnlyMapping&) = delete;
    ReadOnlyMapping& operator=(const ReadOnlyMapping&) = delete;

    std::uint8_t* base() const { return base_; }
    bool seal() { return base_ != nullptr && mprotect(base_, size_, PROT_READ) == 0; }

private:
    std::uint8_t* base_ = nullptr;
    std::size_t size_;
};

}  // namespace

SharedBytes SharedBytes::from_vector(std::vector<std::uint8_t> bytes) {
    auto owner = std::make_shared<const std::vector<std::uint8_t>>(std::move(bytes));
    const auto size = owner->size();
    // Aliasing constructor: points at the bytes, owns the vector.
    return {std::shared_ptr<const std::uint8_t>(owner, owner->data()), size, false};
}

std::vector<SharedBytes> SharedBytes::pack_read_only(const std::vector<std::vector<std::uint8_t>>& parts) {
    std::size_t total = 0;
    for (const auto& part : parts) total += part.size();
    const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    auto mapping = std::make_shared<ReadOnlyMapping>(((total + page - 1) / page) * page);
    if (mapping->base() == nullptr) return {};
    std::size_t offset = 0;
    for (const auto& part : parts) {
        std::memcpy(mapping->base() + offset, part.data(), part.size());
        offset += part.size();
    }
    if (!mapping->seal()) return {};
    std::vector<SharedBytes> views;
    views.reserve(parts.size());
    offset = 0;
    for (const auto& part : parts) {
        views.push_back({std::shared_ptr<const std::uint8_t>(mapping, mapping->base() + offset), part.size(), true});
        offset += part.size();
    }
    return views;
}

}  // namespace camstream
