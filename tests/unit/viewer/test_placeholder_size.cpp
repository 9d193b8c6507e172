// camview's canvas before the first frame: the server's announced size, bounded.
#include "video/placeholder_size.hpp"

#include <doctest/doctest.h>

using camstream::viewer::placeholder_size;

TEST_CASE("camview placeholder: the announced size when it is reasonable") {
    CHECK(placeholder_size({640, 480}) == cv::Size(640, 480));
    CHECK(placeholder_size({1920, 1080}) == cv::Size(1920, 1080));
    CHECK(placeholder_size({1, 1}) == cv::Size(1, 1));
}

TEST_CASE("camview placeholder: a huge announced size is scaled into 1920x1080 with its shape") {
    // 65535x65535 would be a 12 GB canvas.
    CHECK(placeholder_size({65535, 65535}) == cv::Size(1080, 1080));
    CHECK(placeholder_size({3840, 2160}) == cv::Size(1920, 1080));
    const auto strip = placeholder_size({65535, 1});
    CHECK(strip.width == 1920);
    CHECK(strip.height == 1);
}

TEST_CASE("camview placeholder: nothing announced gives the idle canvas") {
    CHECK(placeholder_size({0, 0}) == cv::Size(640, 480));
    CHECK(placeholder_size({0, 480}) == cv::Size(640, 480));
}
