// Times as the access commands read and write them: ISO 8601 UTC
// ("2026-11-27T10:00:00Z"), a date ("2026-11-27", midnight UTC), unix
// seconds ("@1764237600"), or relative to now ("+30s", "+10m", "+2h", "+7d",
// and back: "-7d").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace camstream {

// Unix seconds; nullopt when the text is none of the forms above.
std::optional<std::int64_t> parse_time(std::string_view text, std::int64_t now);
// "2026-11-27T10:00:00Z"; with fractions, to the millisecond.
std::string iso_time(double unix_seconds);

}  // namespace camstream
