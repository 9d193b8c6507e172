// The page GET / serves: the live picture and a status line, one self-contained
// HTML document (inline CSS and JS, no external assets) that works from any
// path prefix behind a reverse proxy, since it names "stream" and "healthz"
// relative to itself.
#pragma once

#include <string_view>

namespace camstream {

// Static text, served as "text/html; charset=utf-8".
std::string_view live_page_html();

}  // namespace camstream
