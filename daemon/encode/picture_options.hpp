// PictureOptions: what is done to each picture between the source and the
// encoder (rotation, flip, resize, timestamp and label overlays), and the
// buffers it does that in, reused from frame to frame.
#pragma once

#include "config/settings.hpp"

#include <opencv2/core.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace camstream {

class PictureOptions {
public:
    // Settings must be validated (config loader); an unknown rotate, flip or
    // corner throws std::invalid_argument.
    explicit PictureOptions(const PictureSettings& settings);

    // False when nothing is configured: then the capture thread passes a camera's JPEG through untouched.
    // Also false when the orientation cancels out (rotate 180 with flip both).
    bool active() const;
    // The size of apply()'s result for an input of `input` (rotation, then resize).
    cv::Size output_size(cv::Size input) const;
    // Rotation and flip, then resize, then the overlays (timestamp of captured_us,
    // microseconds since the Unix epoch, in local time; then the label), on an
    // 8-bit BGR picture. Returns the result; may reuse internal buffers between calls
    // (the capture thread calls it once per frame from one thread).
    const cv::Mat& apply(const cv::Mat& bgr, std::int64_t captured_us);

private:
    enum class Corner { top_left, top_right, bottom_left, bottom_right };

    // One line of overlay text, drawn once per change of text or picture width
    // and composed onto each frame from there.
    struct OverlayLine {
        std::string text;
        cv::Mat canvas;  // storage as wide as the picture, so a new text rarely allocates
        cv::Mat sprite;  // view of canvas: the line's box, white text on black
        int rendered_for_width = 0;  // 0: draw the sprite again
    };

    void update_timestamp(std::int64_t captured_us);
    void render(OverlayLine& line, int picture_width) const;
    void draw_overlays(cv::Mat& picture);

    // Rotation and flip folded into one transform: an optional transpose, then
    // at most one cv::flip (code 1 horizontal, 0 vertical, -1 both).
    bool transpose_ = false;
    std::optional<int> flip_code_;
    int width_ = 0;
    int height_ = 0;

    std::string timestamp_format_;
    Corner corner_ = Corner::top_left;
    double font_scale_ = 0.6;
    int thickness_ = 1;
    int padding_ = 4;
    int margin_ = 8;

    OverlayLine timestamp_;
    OverlayLine label_;
    std::optional<std::int64_t> timestamp_second_;  // the second timestamp_.text shows
    // strftime writes here; the text drawn is cut to kMaxTimestampBytes.
    std::array<char, 4096> strftime_buffer_{};

    cv::Mat oriented_;
    cv::Mat resized_;
    cv::Mat overlaid_;  // a copy of the caller's picture, when only overlays are set
};

}  // namespace camstream
