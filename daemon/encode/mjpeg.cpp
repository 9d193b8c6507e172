// MJPEG checks and repair: see mjpeg.hpp.
#include "encode/mjpeg.hpp"

#include <turbojpeg.h>

#include <array>
#include <memory>
#include <optional>
#include <stdexcept>

namespace camstream {
namespace {

constexpr std::uint8_t kSoi = 0xD8;
constexpr std::uint8_t kEoi = 0xD9;
constexpr std::uint8_t kSos = 0xDA;
constexpr std::uint8_t kDht = 0xC4;

struct Segment {
    std::uint8_t marker = 0;
    std::size_t offset = 0;  // of the 0xFF
    std::size_t size = 0;    // marker and payload
};

// Calls visit(segment) for each marker segment from the one after SOI up to
// and including the first SOS; returns the SOS segment, or nullopt when the
// markers end, run past the data or make no sense before one.
template <class Visit>
std::optional<Segment> walk_to_scan(std::span<const std::uint8_t> jpeg, Visit visit) {
    if (jpeg.size() < 4 || jpeg[0] != 0xFF || jpeg[1] != kSoi) return std::nullopt;
    std::size_t at = 2;
    while (at + 4 <= jpeg.size()) {
        if (jpeg[at] != 0xFF) return std::nullopt;
        const std::size_t start = at;
        while (at < jpeg.size() && jpeg[at] == 0xFF) ++at;  // fill bytes
        if (at + 3 > jpeg.size()) return std::nullopt;
        const std::uint8_t marker = jpeg[at];
        if (marker == kEoi || marker == kSoi || (marker >= 0xD0 && marker <= 0xD7)) return std::nullopt;
        const std::size_t length = (std::size_t{jpeg[at + 1]} << 8) | jpeg[at + 2];
        if (length < 2 || at + 1 + length > jpeg.size()) return std::nullopt;
        const Segment segment{marker, start, at + 1 + length - start};
        visit(segment);
        if (marker == kSos) return segment;
        at += 1 + length;
    }
    return std::nullopt;
}

// The standard tables as libjpeg-turbo writes them: it emits exactly these
// when it encodes without optimised tables, so we take them from a tiny
// picture it encodes rather than transcribe 420 bytes of Annex K by hand.
std::vector<std::uint8_t> make_standard_tables() {
    const std::unique_ptr<void, int (*)(tjhandle)> compressor(tjInitCompress(), tjDestroy);
    if (!compressor) throw std::runtime_error("cannot start the JPEG compressor");
    std::array<unsigned char, 16 * 16 * 3> pixels{};
    unsigned char* jpeg = nullptr;
    unsigned long size = 0;
    if (tjCompress2(compressor.get(), pixels.data(), 16, 0, 16, TJPF_BGR, &jpeg, &size, TJSAMP_420, 75, 0) != 0) {
        tjFree(jpeg);
        throw std::runtime_error("cannot encode the reference picture for the Huffman tables");
    }
    const std::span<const std::uint8_t> encoded(jpeg, size);
    std::vector<std::uint8_t> tables;
    walk_to_scan(encoded, [&](const Segment& segment) {
        if (segment.marker == kDht) {
            tables.insert(tables.end(), encoded.begin() + static_cast<std::ptrdiff_t>(segment.offset),
                          encoded.begin() + static_cast<std::ptrdiff_t>(segment.offset + segment.size));
        }
    });
    tjFree(jpeg);
    if (tables.empty()) throw std::runtime_error("the reference picture has no Huffman tables");
    return tables;
}

const std::vector<std::uint8_t>& standard_tables() {
    static const std::vector<std::uint8_t> tables = make_standard_tables();
    return tables;
}

}  // namespace

std::size_t whole_jpeg_length(std::span<const std::uint8_t> bytes) {
    std::size_t length = bytes.size();
    while (length > 0 && bytes[length - 1] == 0x00) --length;
    if (length < 4 || bytes[0] != 0xFF || bytes[1] != kSoi || bytes[length - 2] != 0xFF ||
        bytes[length - 1] != kEoi) {
        return 0;
    }
    return length;
}

bool has_huffman_tables(std::span<const std::uint8_t> jpeg) {
    bool found = false;
    walk_to_scan(jpeg, [&](const Segment& segment) { found = found || segment.marker == kDht; });
    return found;
}

std::vector<std::uint8_t> with_standard_huffman_tables(std::span<const std::uint8_t> jpeg) {
    const auto scan = walk_to_scan(jpeg, [](const Segment&) {});
    if (!scan) return {};
    const auto& tables = standard_tables();
    std::vector<std::uint8_t> repaired;
    repaired.reserve(jpeg.size() + tables.size());
    repaired.insert(repaired.end(), jpeg.begin(), jpeg.begin() + static_cast<std::ptrdiff_t>(scan->offset));
    repaired.insert(repaired.end(), tables.begin(), tables.end());
    repaired.insert(repaired.end(), jpeg.begin() + static_cast<std::ptrdiff_t>(scan->offset), jpeg.end());
    return repaired;
}

}  // namespace camstream
