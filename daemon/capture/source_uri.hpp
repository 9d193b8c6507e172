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
    enum class Kind { test_pattern, file } kind = Kind::test_pattern;
    std::string path;                   // file: a video file, or a folder of .jpg files
    std::optional<Duration> hang_after; // testpattern:hang-after=3s: grab() then blocks like a hung camera read
};

// On failure, error is a sentence for the user naming the forms expected, e.g.
// "expected 'testpattern', 'testpattern:hang-after=DURATION' or 'file:PATH'".
std::optional<SourceUri> parse_source_uri(std::string_view uri, std::string& error);

}  // namespace camstream
