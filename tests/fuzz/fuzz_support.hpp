// What the harnesses share: how a finding is reported, and how an input is cut
// into the chunks a socket might deliver it in.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include <unistd.h>

namespace camstream::fuzz {

// A broken property is a finding: say which one, then abort so libFuzzer
// saves the input as crash-*. (An uncaught exception would abort too, but
// without saying what the harness expected.) The message goes straight to file
// descriptor 2, not through the stderr stream: a harness may point that stream
// elsewhere to quiet the code under test (fuzz_camview_client does), and a
// finding raised on another thread must not wait for the stream's lock.
[[noreturn]] inline void fail(const char* file, int line, const std::string& what) {
    const std::string message =
        "\n*** fuzz finding at " + std::string(file) + ":" + std::to_string(line) + ": " + what + "\n";
    std::size_t written = 0;
    while (written < message.size()) {
        const auto result = ::write(2, message.data() + written, message.size() - written);
        if (result <= 0) break;
        written += static_cast<std::size_t>(result);
    }
    std::abort();
}

#define FUZZ_CHECK(condition, what)                                                         \
    do {                                                                                    \
        if (!(condition))                                                                   \
            ::camstream::fuzz::fail(__FILE__, __LINE__,                                     \
                                    std::string("expected ") + #condition + ": " + (what)); \
    } while (false)

// Printable form of bytes for messages: "43 53 54 4d ...", at most `limit` bytes.
inline std::string hex(std::span<const std::uint8_t> bytes, std::size_t limit = 64) {
    std::string out;
    char byte[4];
    for (std::size_t i = 0; i < bytes.size() && i < limit; ++i) {
        std::snprintf(byte, sizeof byte, "%02x ", bytes[i]);
        out += byte;
    }
    if (bytes.size() > limit) out += "... (" + std::to_string(bytes.size()) + " bytes)";
    return out;
}

// FNV-1a: the chunk sizes below are derived from the input itself, so a saved
// crash input replays with exactly the same chunks.
inline std::uint64_t hash(std::span<const std::uint8_t> bytes, std::uint64_t salt) {
    std::uint64_t h = 0xcbf29ce484222325ull ^ salt;
    for (const auto b : bytes) h = (h ^ b) * 0x100000001b3ull;
    return h;
}

// Cut points for `size` bytes: chunk sizes drawn from 0..max_chunk (0 is an
// empty read, which decoders must take in their stride). Returns the chunk
// sizes; they add up to `size`.
inline std::vector<std::size_t> chunk_sizes(std::span<const std::uint8_t> bytes, std::uint64_t salt,
                                            std::size_t max_chunk) {
    std::vector<std::size_t> sizes;
    std::uint64_t state = hash(bytes, salt) | 1;
    std::size_t left = bytes.size();
    while (left > 0) {
        // xorshift64
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        std::size_t size = static_cast<std::size_t>(state % (max_chunk + 1));
        if (size > left) size = left;
        sizes.push_back(size);
        left -= size;
    }
    return sizes;
}

// The chunkings every decoder harness compares against the one-shot decode:
// byte by byte, small pieces with empty reads among them, larger pieces.
inline std::vector<std::vector<std::size_t>> chunkings(std::span<const std::uint8_t> bytes) {
    return {
        std::vector<std::size_t>(bytes.size(), 1),
        chunk_sizes(bytes, 1, 3),
        chunk_sizes(bytes, 2, 40),
    };
}

}  // namespace camstream::fuzz
