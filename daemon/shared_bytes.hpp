// SharedBytes: an immutable byte buffer shared by reference (a frame's JPEG).
//
// Every frame, viewer and queue that holds a payload holds the same bytes. Some
// payloads live in a read-only mapping that is unmapped, never reused, once its
// last holder lets go: the kernel may then keep references to those very pages
// (vmsplice() into a frame's pipe) without copying them, since nothing can ever
// write them. Heap payloads are copied into the pipe instead.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace camstream {

class SharedBytes {
public:
    SharedBytes() = default;

    // Takes over a heap buffer (an encoder's output).
    static SharedBytes from_vector(std::vector<std::uint8_t> bytes);
    // Copies the parts into one read-only mapping and returns a view of each,
    // all sharing it (a JPEG folder, loaded once). Empty if the mapping fails.
    static std::vector<SharedBytes> pack_read_only(const std::vector<std::vector<std::uint8_t>>& parts);

    std::span<const std::uint8_t> bytes() const { return {data_.get(), size_}; }
    std::size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    explicit operator bool() const { return data_ != nullptr; }
    // True when its pages may be handed to the kernel by reference (see above).
    bool pages_immutable() const { return pages_immutable_; }

private:
    SharedBytes(std::shared_ptr<const std::uint8_t> data, std::size_t size, bool pages_immutable)
        : data_(std::move(data)), size_(size), pages_immutable_(pages_immutable) {}

    std::shared_ptr<const std::uint8_t> data_;  // owns (or shares ownership of) the memory
    std::size_t size_ = 0;
    bool pages_immutable_ = false;
};

}  // namespace camstream
