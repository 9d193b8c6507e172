// PictureOptions on synthetic pictures whose quadrants have distinct colours,
// so where each pixel went can be asserted: rotation and flip, resize with the
// aspect kept, and overlays that stay in their corner and read on any background.
#include "encode/picture_options.hpp"

#include <doctest/doctest.h>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <array>
#include <string>

using namespace camstream;

namespace {

const cv::Vec3b kRed(0, 0, 255);
const cv::Vec3b kGreen(0, 255, 0);
const cv::Vec3b kBlue(255, 0, 0);
const cv::Vec3b kYellow(0, 255, 255);

// Top-left red, top-right green, bottom-left blue, bottom-right yellow.
cv::Mat quadrants(int width = 64, int height = 48) {
    cv::Mat picture(height, width, CV_8UC3);
    const int half_w = width / 2;
    const int half_h = height / 2;
    picture(cv::Rect(0, 0, half_w, half_h)).setTo(cv::Scalar(kRed[0], kRed[1], kRed[2]));
    picture(cv::Rect(half_w, 0, width - half_w, half_h)).setTo(cv::Scalar(kGreen[0], kGreen[1], kGreen[2]));
    picture(cv::Rect(0, half_h, half_w, height - half_h)).setTo(cv::Scalar(kBlue[0], kBlue[1], kBlue[2]));
    picture(cv::Rect(half_w, half_h, width - half_w, height - half_h))
        .setTo(cv::Scalar(kYellow[0], kYellow[1], kYellow[2]));
    return picture;
}

// The colours a few pixels in from each corner: top-left, top-right, bottom-left, bottom-right.
std::array<cv::Vec3b, 4> corners(const cv::Mat& picture) {
    const int right = picture.cols - 3;
    const int bottom = picture.rows - 3;
    return {picture.at<cv::Vec3b>(2, 2), picture.at<cv::Vec3b>(2, right), picture.at<cv::Vec3b>(bottom, 2),
            picture.at<cv::Vec3b>(bottom, right)};
}

PictureSettings oriented(const std::string& rotate, const std::string& flip = "none") {
    PictureSettings settings;
    settings.rotate = rotate;
    settings.flip = flip;
    return settings;
}

PictureSettings overlay(const std::string& timestamp, const std::string& label, const std::string& corner) {
    PictureSettings settings;
    settings.timestamp = timestamp;
    settings.label = label;
    settings.overlay_corner = corner;
    return settings;
}

// Where `after` differs from `before`; empty when nothing changed.
cv::Rect changed_area(const cv::Mat& before, const cv::Mat& after) {
    REQUIRE(before.size() == after.size());
    cv::Mat difference;
    cv::absdiff(before, after, difference);
    cv::Mat gray;
    cv::cvtColor(difference, gray, cv::COLOR_BGR2GRAY);
    std::vector<cv::Point> changed;
    cv::findNonZero(gray, changed);
    return changed.empty() ? cv::Rect() : cv::boundingRect(changed);
}

bool identical(const cv::Mat& a, const cv::Mat& b) {
    return a.size() == b.size() && cv::norm(a, b, cv::NORM_INF) == 0;
}

// 2001-06-15 and 2030-06-15 at 00:00 UTC, mid-year so any time zone keeps the year.
constexpr std::int64_t kYear2001Us = 992563200LL * 1'000'000;
constexpr std::int64_t kYear2030Us = 1907712000LL * 1'000'000;

}  // namespace

TEST_CASE("picture options: nothing set is inactive and leaves the picture as it is") {
    PictureOptions options{PictureSettings{}};
    CHECK_FALSE(options.active());
    CHECK(options.output_size({1280, 720}) == cv::Size(1280, 720));
    const cv::Mat picture = quadrants();
    const cv::Mat& result = options.apply(picture, kYear2001Us);
    CHECK(result.data == picture.data);
}

TEST_CASE("picture options: rotate 180 with both flips cancels out and is inactive") {
    PictureOptions options(oriented("180", "both"));
    CHECK_FALSE(options.active());
    const cv::Mat picture = quadrants();
    CHECK(identical(options.apply(picture, 0), picture));
}

TEST_CASE("picture options: rotate 90 clockwise swaps the sides and moves top-left to top-right") {
    PictureOptions options(oriented("90"));
    CHECK(options.active());
    CHECK(options.output_size({64, 48}) == cv::Size(48, 64));
    const cv::Mat& result = options.apply(quadrants(), 0);
    REQUIRE(result.size() == cv::Size(48, 64));
    CHECK(corners(result) == std::array{kBlue, kRed, kYellow, kGreen});
}

TEST_CASE("picture options: rotate 180 keeps the sides and moves top-left to bottom-right") {
    PictureOptions options(oriented("180"));
    CHECK(options.output_size({64, 48}) == cv::Size(64, 48));
    const cv::Mat& result = options.apply(quadrants(), 0);
    REQUIRE(result.size() == cv::Size(64, 48));
    CHECK(corners(result) == std::array{kYellow, kBlue, kGreen, kRed});
}

TEST_CASE("picture options: rotate 270 clockwise swaps the sides and moves top-left to bottom-left") {
    PictureOptions options(oriented("270"));
    CHECK(options.output_size({64, 48}) == cv::Size(48, 64));
    const cv::Mat& result = options.apply(quadrants(), 0);
    REQUIRE(result.size() == cv::Size(48, 64));
    CHECK(corners(result) == std::array{kGreen, kYellow, kRed, kBlue});
}

TEST_CASE("picture options: flip horizontal, vertical and both mirror the quadrants") {
    const cv::Mat picture = quadrants();
    SUBCASE("horizontal") {
        PictureOptions options(oriented("0", "horizontal"));
        CHECK(corners(options.apply(picture, 0)) == std::array{kGreen, kRed, kYellow, kBlue});
    }
    SUBCASE("vertical") {
        PictureOptions options(oriented("0", "vertical"));
        CHECK(corners(options.apply(picture, 0)) == std::array{kBlue, kYellow, kRed, kGreen});
    }
    SUBCASE("both") {
        PictureOptions options(oriented("0", "both"));
        CHECK(corners(options.apply(picture, 0)) == std::array{kYellow, kBlue, kGreen, kRed});
    }
}

TEST_CASE("picture options: every rotation with every flip matches cv::rotate then cv::flip") {
    cv::Mat picture = quadrants(40, 30);
    // A gradient too, so a transform that only gets the quadrants right still fails.
    for (int y = 0; y < picture.rows; ++y) picture.at<cv::Vec3b>(y, y % picture.cols)[0] = static_cast<uchar>(y * 7);
    const std::array<std::pair<const char*, int>, 3> rotations = {
        {{"90", cv::ROTATE_90_CLOCKWISE}, {"180", cv::ROTATE_180}, {"270", cv::ROTATE_90_COUNTERCLOCKWISE}}};
    const std::array<std::pair<const char*, int>, 3> flips = {{{"horizontal", 1}, {"vertical", 0}, {"both", -1}}};
    for (const auto& [rotate, rotate_code] : rotations) {
        for (const auto& [flip, flip_code] : flips) {
            CAPTURE(rotate);
            CAPTURE(flip);
            cv::Mat expected;
            cv::rotate(picture, expected, rotate_code);
            cv::flip(expected, expected, flip_code);
            PictureOptions options(oriented(rotate, flip));
            CHECK(identical(options.apply(picture, 0), expected));
        }
    }
}

TEST_CASE("picture options: resize to a width and a height gives exactly that size") {
    PictureSettings settings;
    settings.width = 32;
    settings.height = 20;
    PictureOptions options(settings);
    CHECK(options.active());
    CHECK(options.output_size({64, 48}) == cv::Size(32, 20));
    const cv::Mat& result = options.apply(quadrants(), 0);
    REQUIRE(result.size() == cv::Size(32, 20));
    CHECK(corners(result) == std::array{kRed, kGreen, kBlue, kYellow});
}

TEST_CASE("picture options: resize to a width alone keeps the aspect ratio, rounded to an even height") {
    PictureSettings settings;
    settings.width = 32;
    PictureOptions options(settings);
    CHECK(options.output_size({64, 48}) == cv::Size(32, 24));
    CHECK(options.output_size({1280, 720}) == cv::Size(32, 18));
    // 50 * 48 / 64 = 37.5: the nearest even height is 38.
    settings.width = 50;
    PictureOptions odd(settings);
    CHECK(odd.output_size({64, 48}) == cv::Size(50, 38));
    // 44 * 48 / 64 = 33 exactly, which is odd: 34.
    settings.width = 44;
    CHECK(PictureOptions(settings).output_size({64, 48}) == cv::Size(44, 34));
    // A very flat picture still gets at least 2 rows.
    CHECK(odd.output_size({4000, 10}) == cv::Size(50, 2));
    const cv::Mat& result = odd.apply(quadrants(), 0);
    REQUIRE(result.size() == cv::Size(50, 38));
    CHECK(corners(result) == std::array{kRed, kGreen, kBlue, kYellow});
}

TEST_CASE("picture options: resize to a height alone keeps the aspect ratio, rounded to an even width") {
    PictureSettings settings;
    settings.height = 30;
    PictureOptions options(settings);
    CHECK(options.output_size({64, 48}) == cv::Size(40, 30));
    // 66 * 30 / 60 = 33 exactly, which is odd: 34.
    CHECK(options.output_size({66, 60}) == cv::Size(34, 30));
    // Growing works too.
    settings.height = 96;
    PictureOptions larger(settings);
    CHECK(larger.output_size({64, 48}) == cv::Size(128, 96));
    const cv::Mat& result = larger.apply(quadrants(), 0);
    REQUIRE(result.size() == cv::Size(128, 96));
    CHECK(corners(result) == std::array{kRed, kGreen, kBlue, kYellow});
}

TEST_CASE("picture options: resize keeps the aspect ratio of the rotated picture") {
    PictureSettings settings = oriented("90");
    settings.width = 240;
    PictureOptions options(settings);
    CHECK(options.output_size({640, 480}) == cv::Size(240, 320));
    const cv::Mat& result = options.apply(quadrants(640, 480), 0);
    REQUIRE(result.size() == cv::Size(240, 320));
    CHECK(corners(result) == std::array{kBlue, kRed, kYellow, kGreen});
}

TEST_CASE("picture options: apply reuses its buffers from frame to frame") {
    PictureSettings settings = oriented("180");
    settings.width = 320;
    settings.timestamp = "%Y-%m-%d %H:%M:%S";
    settings.label = "porch";
    PictureOptions options(settings);
    const cv::Mat picture = quadrants(640, 480);
    const uchar* first = options.apply(picture, kYear2001Us).data;
    for (int frame = 1; frame < 5; ++frame) {
        CHECK(options.apply(picture, kYear2001Us + frame * 400'000).data == first);
    }
}

TEST_CASE("picture options: the timestamp stays in its corner, the opposite halves untouched") {
    const cv::Mat picture(480, 640, CV_8UC3, cv::Scalar::all(128));
    for (const char* corner : {"top-left", "top-right", "bottom-left", "bottom-right"}) {
        CAPTURE(corner);
        PictureOptions options(overlay("%Y-%m-%d %H:%M:%S", "", corner));
        CHECK(options.active());
        const cv::Mat& result = options.apply(picture, kYear2030Us);
        REQUIRE(result.size() == picture.size());
        const cv::Rect area = changed_area(picture, result);
        REQUIRE_FALSE(area.empty());
        const std::string where = corner;
        const bool right = where.find("right") != std::string::npos;
        const bool bottom = where.find("bottom") != std::string::npos;
        const cv::Rect left_half(0, 0, 320, 480);
        const cv::Rect right_half(320, 0, 320, 480);
        const cv::Rect top_half(0, 0, 640, 240);
        const cv::Rect bottom_half(0, 240, 640, 240);
        CHECK(identical(result(right ? left_half : right_half), picture(right ? left_half : right_half)));
        CHECK(identical(result(bottom ? top_half : bottom_half), picture(bottom ? top_half : bottom_half)));
        // Close to its corner, with a small margin.
        const int gap_x = right ? picture.cols - area.br().x : area.x;
        const int gap_y = bottom ? picture.rows - area.br().y : area.y;
        CHECK(gap_x >= 1);
        CHECK(gap_x <= 24);
        CHECK(gap_y >= 1);
        CHECK(gap_y <= 24);
    }
}

TEST_CASE("picture options: the overlay reads on an all-white and an all-black picture") {
    for (const int level : {255, 0}) {
        CAPTURE(level);
        const cv::Mat picture(240, 320, CV_8UC3, cv::Scalar::all(level));
        PictureOptions options(overlay("%H:%M:%S", "camera", "top-left"));
        const cv::Mat& result = options.apply(picture, kYear2030Us);
        // On white the box changed, on black only the text did: either way
        // the area holds both light text and a dark ground.
        const cv::Rect area = changed_area(picture, result);
        REQUIRE_FALSE(area.empty());
        cv::Mat gray;
        cv::cvtColor(result(area), gray, cv::COLOR_BGR2GRAY);
        const int light = cv::countNonZero(gray >= 200);
        const int dark = cv::countNonZero(gray <= 100);
        CHECK(light > 20);
        CHECK(dark > 20);
    }
}

TEST_CASE("picture options: the timestamp shows the capture time, so two years draw differently") {
    const cv::Mat picture(240, 320, CV_8UC3, cv::Scalar::all(90));
    PictureOptions options(overlay("%Y", "", "top-left"));
    const cv::Mat year_2001 = options.apply(picture, kYear2001Us).clone();
    CHECK_FALSE(changed_area(picture, year_2001).empty());
    // The same second, or a later frame in it, draws the same text.
    CHECK(identical(options.apply(picture, kYear2001Us + 999'999), year_2001));
    const cv::Mat year_2030 = options.apply(picture, kYear2030Us).clone();
    CHECK_FALSE(changed_area(picture, year_2030).empty());
    CHECK_FALSE(identical(year_2001, year_2030));
    // A fresh stage draws 2030 the same as the one that drew 2001 before it.
    PictureOptions fresh(overlay("%Y", "", "top-left"));
    CHECK(identical(fresh.apply(picture, kYear2030Us), year_2030));
}

TEST_CASE("picture options: a label alone is drawn in its corner, on a copy of the caller's picture") {
    const cv::Mat picture(240, 320, CV_8UC3, cv::Scalar::all(128));
    const cv::Mat original = picture.clone();
    PictureOptions options(overlay("", "front door", "bottom-right"));
    CHECK(options.active());
    CHECK(options.output_size({320, 240}) == cv::Size(320, 240));
    const cv::Mat& result = options.apply(picture, 0);
    const cv::Rect area = changed_area(picture, result);
    REQUIRE_FALSE(area.empty());
    CHECK(area.x >= 160);
    CHECK(area.y >= 120);
    CHECK(identical(picture, original));
}

TEST_CASE("picture options: the timestamp line comes first, the label under it") {
    const cv::Mat picture(240, 320, CV_8UC3, cv::Scalar::all(128));
    PictureOptions both(overlay("%Y", "label", "top-left"));
    PictureOptions label_only(overlay("", "label", "top-left"));
    const cv::Rect both_area = changed_area(picture, both.apply(picture, kYear2030Us));
    const cv::Rect label_area = changed_area(picture, label_only.apply(picture, kYear2030Us));
    REQUIRE_FALSE(label_area.empty());
    CHECK(both_area.y == label_area.y);
    CHECK(both_area.height > label_area.height * 3 / 2);
}

TEST_CASE("picture options: a huge label on a 32x32 picture is clipped, not a crash") {
    const cv::Mat picture(32, 32, CV_8UC3, cv::Scalar::all(200));
    for (const char* corner : {"top-left", "top-right", "bottom-left", "bottom-right"}) {
        CAPTURE(corner);
        PictureSettings settings = overlay("%Y-%m-%d %H:%M:%S", std::string(10000, 'W'), corner);
        settings.overlay_scale = 10.0;
        PictureOptions options(settings);
        const cv::Mat& result = options.apply(picture, kYear2030Us);
        CHECK(result.size() == cv::Size(32, 32));
    }
}

TEST_CASE("picture options: a timestamp longer than the bound is cut, a format with no result draws nothing") {
    const cv::Mat picture(240, 320, CV_8UC3, cv::Scalar::all(128));
    SUBCASE("300 characters are cut and drawn") {
        PictureOptions options(overlay(std::string(300, 'x') + "%Y", "", "top-right"));
        CHECK_FALSE(changed_area(picture, options.apply(picture, kYear2030Us)).empty());
    }
    SUBCASE("a text beyond strftime's buffer draws nothing") {
        PictureOptions options(overlay(std::string(5000, 'x'), "", "top-left"));
        CHECK(options.active());
        CHECK(identical(options.apply(picture, kYear2030Us), picture));
    }
}
