// FrameEncoder: the least work the picture options allow. A camera's JPEG with
// no options is the frame (no decode, no encode); YUV planes are encoded as
// they are; with options, the picture goes through BGR.
#include "encode/frame_encoder.hpp"

#include <doctest/doctest.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

using namespace camstream;

namespace {

using Bytes = std::vector<std::uint8_t>;

// Smooth colours, so JPEG's loss stays small and a comparison means something.
cv::Mat gradient(int width, int height) {
    cv::Mat picture(height, width, CV_8UC3);
    for (int y = 0; y < height; ++y) {
        for (int x = 0; x < width; ++x) {
            picture.at<cv::Vec3b>(y, x) = {static_cast<std::uint8_t>(x * 255 / width),
                                           static_cast<std::uint8_t>(y * 255 / height), 128};
        }
    }
    return picture;
}

// YUYV (Y0 U Y1 V) of a BGR picture, chroma of each pair averaged.
Bytes to_yuyv(const cv::Mat& bgr) {
    cv::Mat yuv;
    cv::cvtColor(bgr, yuv, cv::COLOR_BGR2YCrCb);
    Bytes packed;
    for (int y = 0; y < bgr.rows; ++y) {
        for (int x = 0; x < bgr.cols; x += 2) {
            const auto a = yuv.at<cv::Vec3b>(y, x);
            const auto b = yuv.at<cv::Vec3b>(y, x + 1);
            packed.insert(packed.end(), {a[0], static_cast<std::uint8_t>((a[2] + b[2]) / 2), b[0],
                                         static_cast<std::uint8_t>((a[1] + b[1]) / 2)});
        }
    }
    return packed;
}

double psnr_of(const std::shared_ptr<const Bytes>& jpeg, const cv::Mat& original) {
    const auto decoded = cv::imdecode(*jpeg, cv::IMREAD_COLOR);
    REQUIRE_FALSE(decoded.empty());
    REQUIRE(decoded.size() == original.size());
    return cv::PSNR(decoded, original);
}

}  // namespace

TEST_CASE("frame encoder: a camera's JPEG with no picture options is passed through, not re-encoded") {
    FrameEncoder encoder{PictureSettings{}};
    Bytes jpeg;
    {
        JpegEncoder reference;
        REQUIRE(reference.encode(gradient(64, 48), 80, jpeg));
    }
    const auto shared = std::make_shared<const Bytes>(jpeg);
    SourceImage image;
    image.jpeg = shared;
    FrameEncoder::Jpeg out;
    REQUIRE(encoder.make(image, 0, 80, out));
    CHECK_FALSE(out.encoded);
    CHECK(out.bytes == shared);  // the very same bytes, not a copy
    CHECK(out.width == 64);
    CHECK(out.height == 48);
}

TEST_CASE("frame encoder: YUYV is encoded from its planes and keeps the picture") {
    const auto original = gradient(320, 240);
    const auto yuyv = to_yuyv(original);
    SourceImage image;
    image.yuv = {YuvPlanes::Layout::yuyv, 320, 240, {yuyv.data(), nullptr, nullptr}, {640, 0, 0}};
    FrameEncoder encoder{PictureSettings{}};
    FrameEncoder::Jpeg out;
    REQUIRE(encoder.make(image, 0, 90, out));
    CHECK(out.encoded);
    CHECK(out.width == 320);
    CHECK(out.height == 240);
    CHECK(psnr_of(out.bytes, original) > 30.0);
}

TEST_CASE("frame encoder: I420 planes with a stride wider than the picture are encoded as they are") {
    const auto original = gradient(160, 120);
    cv::Mat i420;
    cv::cvtColor(original, i420, cv::COLOR_BGR2YUV_I420);
    // Copied into planes with padded rows, as a driver's bytesperline may give them.
    const int stride = 192;
    Bytes y(static_cast<std::size_t>(stride) * 120, 0), u(static_cast<std::size_t>(stride / 2) * 60, 0),
        v(static_cast<std::size_t>(stride / 2) * 60, 0);
    for (int row = 0; row < 120; ++row) std::memcpy(&y[static_cast<std::size_t>(row * stride)], i420.ptr(row), 160);
    const auto* chroma = i420.ptr(120);
    for (int row = 0; row < 60; ++row) std::memcpy(&u[static_cast<std::size_t>(row * stride / 2)], chroma + row * 80, 80);
    chroma += 60 * 80;
    for (int row = 0; row < 60; ++row) std::memcpy(&v[static_cast<std::size_t>(row * stride / 2)], chroma + row * 80, 80);
    SourceImage image;
    image.yuv = {YuvPlanes::Layout::i420, 160, 120, {y.data(), u.data(), v.data()}, {stride, stride / 2, stride / 2}};
    FrameEncoder encoder{PictureSettings{}};
    FrameEncoder::Jpeg out;
    REQUIRE(encoder.make(image, 0, 90, out));
    CHECK(out.encoded);
    CHECK(psnr_of(out.bytes, original) > 30.0);
}

TEST_CASE("frame encoder: with picture options a camera's JPEG and YUYV are decoded, changed and encoded") {
    const PictureSettings rotate{.rotate = std::string("90")};
    const auto original = gradient(64, 48);
    cv::Mat expected;
    cv::rotate(original, expected, cv::ROTATE_90_CLOCKWISE);

    Bytes jpeg;
    {
        JpegEncoder reference;
        REQUIRE(reference.encode(original, 95, jpeg));
    }
    FrameEncoder encoder{rotate};
    SourceImage from_jpeg;
    from_jpeg.jpeg = std::make_shared<const Bytes>(jpeg);
    FrameEncoder::Jpeg out;
    REQUIRE(encoder.make(from_jpeg, 0, 95, out));
    CHECK(out.encoded);
    CHECK(out.width == 48);
    CHECK(out.height == 64);
    CHECK(psnr_of(out.bytes, expected) > 28.0);

    const auto yuyv = to_yuyv(original);
    SourceImage from_yuyv;
    from_yuyv.yuv = {YuvPlanes::Layout::yuyv, 64, 48, {yuyv.data(), nullptr, nullptr}, {128, 0, 0}};
    REQUIRE(encoder.make(from_yuyv, 0, 95, out));
    CHECK(out.width == 48);
    CHECK(psnr_of(out.bytes, expected) > 28.0);
}

TEST_CASE("frame encoder: a JPEG whose header cannot be read is refused with a reason") {
    FrameEncoder encoder{PictureSettings{}};
    SourceImage image;
    image.jpeg = std::make_shared<const Bytes>(Bytes{0xFF, 0xD8, 0xFF, 0xD9});
    FrameEncoder::Jpeg out;
    CHECK_FALSE(encoder.make(image, 0, 80, out));
    CHECK_FALSE(encoder.last_error().empty());
}
