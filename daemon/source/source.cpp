// make_source: picks the Source implementation named by source.uri.
#include "source.hpp"

#include "file_source.hpp"
#include "test_pattern.hpp"

namespace camstream {

std::unique_ptr<Source> make_source(const SourceSettings& settings) {
    if (settings.uri.rfind("file:", 0) == 0) return std::make_unique<FileSource>(settings);
    return std::make_unique<TestPatternSource>(settings);
}

}  // namespace camstream
