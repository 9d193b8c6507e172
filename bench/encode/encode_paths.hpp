// The three ways a picture becomes a JPEG that scenario 4 times against each
// other, each over the same pre-rendered test-pattern frames:
//  - raw TurboJPEG: tjCompress2 straight into a reused buffer, the ceiling;
//  - the daemon's encoder: camstream::JpegEncoder, what the capture thread calls;
//  - the daemon's capture + encode: TestPatternSource::retrieve() then
//    JpegEncoder into a fresh vector, exactly one CaptureThread iteration minus
//    grab(), whose only job is to sleep until the next frame is due.
#pragma once

#include <opencv2/core.hpp>

#include <cstddef>
#include <vector>

namespace camstream::bench {

// Frames per second of each path over one pass of the frames, plus the
// test pattern's retrieve() alone (what capture adds to encoding).
struct PassTiming {
    double raw_turbojpeg_fps = 0;
    double daemon_encoder_fps = 0;
    double daemon_capture_encode_fps = 0;
    double retrieve_fps = 0;
    std::size_t raw_jpeg_bytes = 0;     // of the last frame: the paths must produce
    std::size_t daemon_jpeg_bytes = 0;  // the same output to be comparable
};

// Renders `count` consecutive test-pattern frames (the moving block advances).
std::vector<cv::Mat> render_test_pattern(int width, int height, int count);

// One pass over the frames. The paths take turns frame by frame, so a burst of
// load from a neighbour on the shared machine lands on all of them alike.
PassTiming time_one_pass(const std::vector<cv::Mat>& frames, int quality);

}  // namespace camstream::bench
