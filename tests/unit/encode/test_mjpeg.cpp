// A camera's MJPEG before it is passed through: whole frames only (SOI...EOI,
// zero padding after the end allowed), and the standard Huffman tables put
// back into frames that omit them, so that every decoder can read them.
#include "encode/jpeg_encoder.hpp"
#include "encode/mjpeg.hpp"

#include <doctest/doctest.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

using namespace camstream;

namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes encoded_picture() {
    cv::Mat picture(48, 64, CV_8UC3);
    cv::randu(picture, 0, 255);
    JpegEncoder encoder;
    Bytes jpeg;
    REQUIRE(encoder.encode(picture, 80, jpeg));
    return jpeg;
}

// The JPEG without its DHT segments, as some UVC cameras send it.
Bytes without_huffman_tables(const Bytes& jpeg) {
    Bytes stripped(jpeg.begin(), jpeg.begin() + 2);
    std::size_t at = 2;
    while (at + 4 <= jpeg.size()) {
        const auto marker = jpeg[at + 1];
        const std::size_t length = (std::size_t{jpeg[at + 2]} << 8) | jpeg[at + 3];
        if (marker == 0xDA) break;
        if (marker != 0xC4) stripped.insert(stripped.end(), jpeg.begin() + at, jpeg.begin() + at + 2 + length);
        at += 2 + length;
    }
    stripped.insert(stripped.end(), jpeg.begin() + at, jpeg.end());
    return stripped;
}

cv::Mat decoded(const Bytes& jpeg) { return cv::imdecode(jpeg, cv::IMREAD_COLOR); }

}  // namespace

TEST_CASE("mjpeg: a whole JPEG is its length, zero padding after its end excluded") {
    const auto jpeg = encoded_picture();
    CHECK(whole_jpeg_length(jpeg) == jpeg.size());
    auto padded = jpeg;
    padded.resize(jpeg.size() + 300, 0);
    CHECK(whole_jpeg_length(padded) == jpeg.size());
}

TEST_CASE("mjpeg: a truncated JPEG, or bytes that are none, are not whole") {
    const auto jpeg = encoded_picture();
    CHECK(whole_jpeg_length(Bytes(jpeg.begin(), jpeg.begin() + static_cast<std::ptrdiff_t>(jpeg.size() / 2))) == 0);
    CHECK(whole_jpeg_length(Bytes(jpeg.begin(), jpeg.end() - 1)) == 0);
    auto no_start = jpeg;
    no_start[1] = 0x00;
    CHECK(whole_jpeg_length(no_start) == 0);
    CHECK(whole_jpeg_length(Bytes{}) == 0);
    CHECK(whole_jpeg_length(Bytes{0xFF, 0xD8, 0xFF, 0xD9}) == 4);  // the smallest: a check of the ends only
}

TEST_CASE("mjpeg: a JPEG without Huffman tables is repaired with the standard ones and decodes as the original") {
    const auto jpeg = encoded_picture();
    REQUIRE(has_huffman_tables(jpeg));
    const auto stripped = without_huffman_tables(jpeg);
    REQUIRE(stripped.size() < jpeg.size());
    CHECK_FALSE(has_huffman_tables(stripped));
    // (libjpeg-turbo itself falls back to the standard tables, but T.81 makes
    // them the file's to give, and stricter decoders refuse such a file.)

    const auto repaired = with_standard_huffman_tables(stripped);
    CHECK(has_huffman_tables(repaired));
    CHECK(whole_jpeg_length(repaired) == repaired.size());
    const auto original_pixels = decoded(jpeg);
    const auto repaired_pixels = decoded(repaired);
    REQUIRE_FALSE(repaired_pixels.empty());
    // TurboJPEG encodes with the standard tables, so the repair gives back the very same picture.
    CHECK(cv::norm(original_pixels, repaired_pixels, cv::NORM_INF) == 0);
}

TEST_CASE("mjpeg: bytes whose markers cannot be walked to a scan are not repaired") {
    CHECK(with_standard_huffman_tables(Bytes{0xFF, 0xD8, 0xFF, 0xD9}).empty());
    CHECK(with_standard_huffman_tables(Bytes{0x00, 0x01, 0x02}).empty());
    // A segment whose length runs past the end.
    CHECK(with_standard_huffman_tables(Bytes{0xFF, 0xD8, 0xFF, 0xE0, 0x40, 0x00, 0x01}).empty());
    CHECK_FALSE(has_huffman_tables(Bytes{0xFF, 0xD8, 0xFF, 0xC4, 0xFF, 0xFF}));
}
