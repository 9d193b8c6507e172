// The grammar of source.uri, in one place: the configuration validates with it
// and make_source() builds the source it names. A new kind of source is one
// Kind value here and one row in source_uri.cpp.
#pragma once

#include "config/settings.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace camstream {

struct SourceUri {
    enum class Kind { test_pattern, file, v4l2, gstreamer } kind = Kind::test_pattern;
    // file: a video file or a folder of .jpg files; v4l2: the device node (a
    // stable /dev/v4l/by-id/ link is followed again at every reopen);
    // gstreamer: the pipeline up to its raw video, without the sink.
    std::string path;
    std::optional<Duration> hang_after; // testpattern:hang-after=3s: grab() then blocks like a hung camera read
};

// On failure, error is a sentence for the user naming the forms expected, e.g.
// "expected 'testpattern', ..., 'file:PATH', 'v4l2:DEVICE' or 'gstreamer:PIPELINE'".
std::optional<SourceUri> parse_source_uri(std::string_view uri, std::string& error);

}  // namespace camstream
