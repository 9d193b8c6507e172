// The fake's only output: one line per notable event on stderr, and only when
// FAKE_V4L2_DEBUG=1, because the library is preloaded into programs whose
// output tests compare byte for byte.
#pragma once

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace fake_v4l2 {

inline bool debug_enabled() {
    const char* value = std::getenv("FAKE_V4L2_DEBUG");
    return value != nullptr && std::strcmp(value, "1") == 0;
}

__attribute__((format(printf, 1, 2))) inline void debug(const char* format, ...) {
    if (!debug_enabled()) return;
    char line[512];
    va_list arguments;
    va_start(arguments, format);
    std::vsnprintf(line, sizeof line, format, arguments);
    va_end(arguments);
    std::fprintf(stderr, "fake_v4l2: %s\n", line);
}

}  // namespace fake_v4l2
