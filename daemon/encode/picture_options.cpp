// The picture options stage: orientation in at most two passes, resize, and
// overlay text that is drawn only when it changes and composed on every frame.
#include "encode/picture_options.hpp"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <stdexcept>
#include <string_view>

namespace camstream {

namespace {

constexpr int kFont = cv::FONT_HERSHEY_SIMPLEX;
// Font scale at overlay_scale 1, which suits 640x480.
constexpr double kBaseFontScale = 0.6;
// The box behind the text keeps this much of the picture: dark enough for
// white text on a white sky, still showing what is behind it.
constexpr double kBoxShade = 0.35;
constexpr std::size_t kMaxTimestampBytes = 256;
// A derived side never exceeds what the config loader accepts for a set one,
// so a narrow strip from a camera cannot ask for a gigantic picture.
constexpr int kMaxWidth = 7680;
constexpr int kMaxHeight = 4320;

// JPEG's 4:2:0 chroma subsampling wants even sides.
int even_side(double exact, int max_side) {
    const auto rounded = 2 * static_cast<long>(std::lround(exact / 2));
    return static_cast<int>(std::clamp<long>(rounded, 2, max_side));
}

}  // namespace

PictureOptions::PictureOptions(const PictureSettings& settings)
    : width_(settings.width),
      height_(settings.height),
      timestamp_format_(settings.timestamp),
      font_scale_(kBaseFontScale * settings.overlay_scale),
      thickness_(std::max(1, static_cast<int>(std::lround(settings.overlay_scale)))),
      padding_(std::max(2, static_cast<int>(std::lround(4 * settings.overlay_scale)))),
      margin_(std::max(2, static_cast<int>(std::lround(8 * settings.overlay_scale)))) {
    // cv::rotate is itself a transpose and a flip; folding the user's flip into
    // the rotation's flip saves a pass (and 180 with both flips is no work).
    bool flip_horizontal = false;
    bool flip_vertical = false;
    if (settings.rotate == "90") {
        transpose_ = true;
        flip_horizontal = true;
    } else if (settings.rotate == "180") {
        flip_horizontal = flip_vertical = true;
    } else if (settings.rotate == "270") {
        transpose_ = true;
        flip_vertical = true;
    } else if (settings.rotate != "0") {
        throw std::invalid_argument("picture rotate: unknown value '" + settings.rotate + "'");
    }
    if (settings.flip == "horizontal" || settings.flip == "both") flip_horizontal = !flip_horizontal;
    if (settings.flip == "vertical" || settings.flip == "both") flip_vertical = !flip_vertical;
    if (settings.flip != "none" && settings.flip != "horizontal" && settings.flip != "vertical" &&
        settings.flip != "both") {
        throw std::invalid_argument("picture flip: unknown value '" + settings.flip + "'");
    }
    if (flip_horizontal && flip_vertical) {
        flip_code_ = -1;
    } else if (flip_horizontal) {
        flip_code_ = 1;
    } else if (flip_vertical) {
        flip_code_ = 0;
    }

    if (settings.overlay_corner == "top-left") {
        corner_ = Corner::top_left;
    } else if (settings.overlay_corner == "top-right") {
        corner_ = Corner::top_right;
    } else if (settings.overlay_corner == "bottom-left") {
        corner_ = Corner::bottom_left;
    } else if (settings.overlay_corner == "bottom-right") {
        corner_ = Corner::bottom_right;
    } else {
        throw std::invalid_argument("picture overlay_corner: unknown value '" + settings.overlay_corner + "'");
    }
    label_.text = settings.label;
}

bool PictureOptions::active() const {
    return transpose_ || flip_code_ || width_ > 0 || height_ > 0 || !timestamp_format_.empty() ||
           !label_.text.empty();
}

cv::Size PictureOptions::output_size(cv::Size input) const {
    const cv::Size oriented = transpose_ ? cv::Size(input.height, input.width) : input;
    if (width_ > 0 && height_ > 0) return {width_, height_};
    if (oriented.width <= 0 || oriented.height <= 0) return oriented;
    if (width_ > 0) {
        return {width_, even_side(static_cast<double>(oriented.height) * width_ / oriented.width, kMaxHeight)};
    }
    if (height_ > 0) {
        return {even_side(static_cast<double>(oriented.width) * height_ / oriented.height, kMaxWidth), height_};
    }
    return oriented;
}

const cv::Mat& PictureOptions::apply(const cv::Mat& bgr, std::int64_t captured_us) {
    if (bgr.empty()) return bgr;
    const cv::Mat* current = &bgr;

    if (transpose_) {
        cv::transpose(*current, oriented_);
        if (flip_code_) cv::flip(oriented_, oriented_, *flip_code_);
        current = &oriented_;
    } else if (flip_code_) {
        cv::flip(*current, oriented_, *flip_code_);
        current = &oriented_;
    }

    const cv::Size target = output_size(bgr.size());
    if (target != current->size()) {
        const bool shrinking = target.width <= current->cols && target.height <= current->rows;
        cv::resize(*current, resized_, target, 0, 0, shrinking ? cv::INTER_AREA : cv::INTER_LINEAR);
        current = &resized_;
    }

    if (timestamp_format_.empty() && label_.text.empty()) return *current;
    cv::Mat* canvas = nullptr;
    if (current == &bgr) {
        // The caller's picture may be shared (a source's own canvas): draw on a copy.
        bgr.copyTo(overlaid_);
        canvas = &overlaid_;
    } else {
        canvas = current == &oriented_ ? &oriented_ : &resized_;
    }
    if (!timestamp_format_.empty()) update_timestamp(captured_us);
    draw_overlays(*canvas);
    return *canvas;
}

void PictureOptions::update_timestamp(std::int64_t captured_us) {
    // strftime has nothing finer than a second, so within one second the text,
    // and the sprite drawn from it, stay as they are.
    std::int64_t second = captured_us / 1'000'000;
    if (captured_us % 1'000'000 < 0) --second;  // before 1970: round down, as time_t does
    if (timestamp_second_ == second) return;
    timestamp_second_ = second;

    const auto seconds = static_cast<std::time_t>(second);
    std::tm local{};
    std::size_t length = 0;
    if (localtime_r(&seconds, &local) != nullptr) {
        // 0 means an empty text or one longer than the buffer: either way, nothing is drawn.
        length = std::strftime(strftime_buffer_.data(), strftime_buffer_.size(), timestamp_format_.c_str(), &local);
    }
    const std::string_view text(strftime_buffer_.data(), std::min(length, kMaxTimestampBytes));
    if (text == timestamp_.text) return;
    timestamp_.text.assign(text);
    timestamp_.rendered_for_width = 0;
}

void PictureOptions::render(OverlayLine& line, int picture_width) const {
    line.rendered_for_width = picture_width;
    if (line.text.empty()) {
        line.sprite = cv::Mat();
        return;
    }
    int baseline = 0;
    const cv::Size text = cv::getTextSize(line.text, kFont, font_scale_, thickness_, &baseline);
    baseline += thickness_;
    const int box_height = text.height + baseline + 2 * padding_;
    // Text wider than the picture is clipped: the sprite never outgrows the picture.
    const int box_width = std::min(text.width + 2 * padding_, picture_width);
    line.canvas.create(box_height, picture_width, CV_8UC3);
    line.sprite = line.canvas(cv::Rect(0, 0, box_width, box_height));
    line.sprite.setTo(cv::Scalar::all(0));
    cv::putText(line.sprite, line.text, {padding_, padding_ + text.height}, kFont, font_scale_,
                cv::Scalar::all(255), thickness_, cv::LINE_AA);
}

void PictureOptions::draw_overlays(cv::Mat& picture) {
    std::array<OverlayLine*, 2> lines = {&timestamp_, &label_};
    int total_height = 0;
    for (OverlayLine* line : lines) {
        if (line->rendered_for_width != picture.cols) render(*line, picture.cols);
        total_height += line->sprite.rows;
    }
    const bool right = corner_ == Corner::top_right || corner_ == Corner::bottom_right;
    const bool bottom = corner_ == Corner::bottom_left || corner_ == Corner::bottom_right;
    int y = bottom ? picture.rows - margin_ - total_height : margin_;
    const cv::Rect whole(0, 0, picture.cols, picture.rows);
    for (OverlayLine* line : lines) {
        if (line->sprite.empty()) continue;
        // A line too wide for its corner starts at the left, so its beginning shows.
        const int x = right ? std::max(0, picture.cols - margin_ - line->sprite.cols) : margin_;
        const cv::Rect box(x, y, line->sprite.cols, line->sprite.rows);
        y += line->sprite.rows;
        const cv::Rect visible = box & whole;
        if (visible.empty()) continue;
        // A dark translucent box, then the text lightens it: readable on white and on black.
        cv::Mat area = picture(visible);
        area.convertTo(area, -1, kBoxShade);
        cv::max(area, line->sprite(visible - box.tl()), area);
    }
}

}  // namespace camstream
