// Time text: see time_text.hpp.
#include "access/time_text.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace camstream {
namespace {

std::optional<std::int64_t> whole_number(std::string_view text) {
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
    return value;
}

}  // namespace

std::optional<std::int64_t> parse_time(std::string_view text, std::int64_t now) {
    if (text.empty()) return std::nullopt;
    if (text.front() == '@') return whole_number(text.substr(1));
    if (text.front() == '+' || text.front() == '-') {
        const char unit = text.back();
        const auto count = whole_number(text.substr(1, text.size() - 2));
        const std::int64_t scale = unit == 's' ? 1 : unit == 'm' ? 60 : unit == 'h' ? 3600 : unit == 'd' ? 86400 : 0;
        if (!count || scale == 0 || *count < 0 || *count > std::int64_t{100} * 365 * 86400 / scale) return std::nullopt;
        return now + (text.front() == '+' ? 1 : -1) * *count * scale;
    }
    // Only the two ISO 8601 forms, told apart by length; the end check refuses anything after them.
    std::tm parts{};
    const std::string copy(text);
    const char* end = nullptr;
    if (copy.size() == 10) {
        end = strptime(copy.c_str(), "%Y-%m-%d", &parts);
    } else if (copy.size() == 20 && copy.back() == 'Z') {
        end = strptime(copy.c_str(), "%Y-%m-%dT%H:%M:%SZ", &parts);
    }
    if (end == nullptr || *end != '\0') return std::nullopt;
    // The calendar arithmetic is chrono's, in 64 bits: timegm() goes through
    // time_t, which is 32 bits on bookworm's armhf and ends in January 2038.
    using namespace std::chrono;
    const year_month_day date{year{parts.tm_year + 1900}, month{static_cast<unsigned>(parts.tm_mon + 1)},
                              day{static_cast<unsigned>(parts.tm_mday)}};
    if (!date.ok()) return std::nullopt;
    const auto midnight = sys_days{date}.time_since_epoch();
    return duration_cast<seconds>(midnight).count() + std::int64_t{parts.tm_hour} * 3600 + parts.tm_min * 60 +
           parts.tm_sec;
}

std::string iso_time(double unix_seconds) {
    using namespace std::chrono;
    // chrono's calendar, not gmtime_r(): time_t is 32 bits on bookworm's armhf.
    const auto whole = static_cast<std::int64_t>(std::floor(unix_seconds));
    const auto millis = static_cast<int>(std::lround((unix_seconds - static_cast<double>(whole)) * 1000.0));
    const sys_seconds when{seconds{whole}};
    const auto midnight = floor<days>(when);
    const year_month_day date{midnight};
    const hh_mm_ss clock{when - midnight};
    char text[40];
    std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02lld", static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                  static_cast<int>(clock.hours().count()), static_cast<int>(clock.minutes().count()),
                  static_cast<long long>(clock.seconds().count()));
    if (millis == 0) return std::string(text) + "Z";
    const auto fraction = std::to_string(1000 + std::min(millis, 999));  // "1005": three digits after the 1
    return std::string(text) + "." + fraction.substr(1) + "Z";
}

}  // namespace camstream
