// Source: where pictures come from. The capture thread alone drives a source.
//
// grab() and retrieve() are split like OpenCV's VideoCapture: the capture
// thread grabs every frame (so it always knows whether the source is alive)
// but retrieves and encodes only while someone watches.
#pragma once

#include "capture/stop_signal.hpp"
#include "config/config.hpp"
#include "media/picture.hpp"

#include <opencv2/core.hpp>

#include <cstdint>
#include <memory>
#include <string>

namespace camstream {

class Source {
public:
    virtual ~Source() = default;

    // Opens (or reopens after a failure); false with a reason in `error`.
    virtual bool open(std::string& error) = 0;
    // Waits until the next frame is due and takes it; false when the source
    // failed or the capture thread was asked to stop (every wait honours the
    // StopSignal the source was made with).
    virtual bool grab() = 0;
    // The frame grabbed last; false when it could not be read.
    virtual bool retrieve(SourceImage& out) = 0;
    // The picture size, known after open().
    virtual cv::Size size() const = 0;
    virtual double fps() const = 0;
    virtual std::string describe() const = 0;
    // When the frame grabbed last was taken, on the wall clock in microseconds,
    // if the source knows better than "now" (a camera driver's buffer timestamp).
    virtual std::int64_t captured_us() const { return 0; }
    // Frames the source received but dropped as broken (a truncated JPEG).
    virtual std::uint64_t frames_broken() const { return 0; }
};

// The source that source.uri names (capture/source_uri.hpp); `stop` outlives it.
std::unique_ptr<Source> make_source(const SourceSettings& settings, const StopSignal& stop);

}  // namespace camstream
