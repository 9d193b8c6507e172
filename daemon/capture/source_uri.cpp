// Parses source.uri (see source_uri.hpp): SCHEME or SCHEME:REST, one row per scheme.
#include "capture/source_uri.hpp"

#include "config/value_grammar.hpp"

#include <array>

namespace camstream {
namespace {

struct Scheme {
    std::string_view name;   // before the first ':'
    std::string_view forms;  // what the user may write, for error messages
    // rest is what follows "name:", or nothing when the URI is the bare name.
    std::optional<SourceUri> (*parse)(std::optional<std::string_view> rest, std::string& error);
};

std::optional<SourceUri> parse_test_pattern(std::optional<std::string_view> rest, std::string& error) {
    SourceUri uri;
    uri.kind = SourceUri::Kind::test_pattern;
    if (!rest) return uri;
    constexpr std::string_view hang_after = "hang-after=";
    if (rest->substr(0, hang_after.size()) != hang_after) {
        error = "expected 'testpattern' or 'testpattern:hang-after=DURATION'";
        return std::nullopt;
    }
    uri.hang_after = parse_duration(rest->substr(hang_after.size()));
    if (!uri.hang_after) {
        error = "expected 'testpattern:hang-after=DURATION' with a duration such as 500ms, 10s or 2m";
        return std::nullopt;
    }
    return uri;
}

std::optional<SourceUri> parse_file(std::optional<std::string_view> rest, std::string& error) {
    if (!rest || rest->empty()) {
        error = "expected 'file:PATH' with the path of a video file or of a folder of .jpg files";
        return std::nullopt;
    }
    SourceUri uri;
    uri.kind = SourceUri::Kind::file;
    uri.path = std::string(*rest);
    return uri;
}

std::optional<SourceUri> parse_v4l2(std::optional<std::string_view> rest, std::string& error) {
    if (!rest || rest->empty() || rest->front() != '/') {
        error = "expected 'v4l2:DEVICE' with an absolute device path such as /dev/video0 or /dev/v4l/by-id/...";
        return std::nullopt;
    }
    return SourceUri{SourceUri::Kind::v4l2, std::string(*rest), std::nullopt};
}

std::optional<SourceUri> parse_gstreamer(std::optional<std::string_view> rest, std::string& error) {
    if (!rest || rest->find_first_not_of(' ') == std::string_view::npos) {
        error = "expected 'gstreamer:PIPELINE' such as 'gstreamer:libcamerasrc ! video/x-raw,width=1280,height=720'";
        return std::nullopt;
    }
    return SourceUri{SourceUri::Kind::gstreamer, std::string(*rest), std::nullopt};
}

constexpr std::array kSchemes = {
    Scheme{"testpattern", "'testpattern', 'testpattern:hang-after=DURATION'", parse_test_pattern},
    Scheme{"file", "'file:PATH'", parse_file},
    Scheme{"v4l2", "'v4l2:DEVICE'", parse_v4l2},
    Scheme{"gstreamer", "'gstreamer:PIPELINE'", parse_gstreamer},
};

std::string every_form() {
    std::string forms;
    for (std::size_t i = 0; i < kSchemes.size(); ++i) {
        if (i > 0) forms += i + 1 == kSchemes.size() ? " or " : ", ";
        forms += kSchemes[i].forms;
    }
    return forms;
}

}  // namespace

std::optional<SourceUri> parse_source_uri(std::string_view uri, std::string& error) {
    // The configuration refuses them first; this keeps a NUL from cutting a
    // path short for anyone else who builds a source from text.
    if (find_control_character(uri)) {
        error = "expected no control characters in a source URI";
        return std::nullopt;
    }
    const auto colon = uri.find(':');
    const auto name = uri.substr(0, colon);
    const auto rest = colon == std::string_view::npos ? std::nullopt
                                                      : std::optional<std::string_view>(uri.substr(colon + 1));
    for (const auto& scheme : kSchemes) {
        if (scheme.name == name) return scheme.parse(rest, error);
    }
    error = "expected " + every_form();
    return std::nullopt;
}

}  // namespace camstream
