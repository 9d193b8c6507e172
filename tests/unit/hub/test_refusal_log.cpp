// RefusalLog: a flood of refusals becomes a few lines and a summary with counts.
#include "hub/refusal_log.hpp"

#include <doctest/doctest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

using namespace camstream;
using namespace std::chrono_literals;

namespace {

// Captures what spdlog's default logger writes while it lives.
class CapturedLog {
public:
    CapturedLog() : previous_(spdlog::default_logger()) {
        auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(text_);
        spdlog::set_default_logger(std::make_shared<spdlog::logger>("captured", sink));
    }
    ~CapturedLog() { spdlog::set_default_logger(previous_); }
    std::string text() const { return text_.str(); }
    std::size_t lines() const {
        const auto all = text();
        return static_cast<std::size_t>(std::count(all.begin(), all.end(), '\n'));
    }

private:
    std::ostringstream text_;
    std::shared_ptr<spdlog::logger> previous_;
};

}  // namespace

TEST_CASE("refusal log: the first refusals of an interval are logged, the rest summarized by reason and address") {
    CapturedLog log;
    RefusalLog refusals(10s, 3);
    const auto start = RefusalLog::Clock::time_point{} + 1h;
    for (int i = 0; i < 1000; ++i) {
        refusals.refused(start + std::chrono::milliseconds(i), "127.0.0.2:" + std::to_string(40000 + i), "127.0.0.2",
                         Rejection::address_limit, "server_full (too many)");
    }
    refusals.refused(start + 2s, "127.0.0.9:1", "127.0.0.9", Rejection::hello_timeout, "hello_timeout (late)");
    // Three lines, one saying the rest will be summarized, and nothing more in the interval.
    CHECK(log.lines() == 4);
    CHECK(log.text().find("viewer 127.0.0.2:40000 rejected: server_full (too many)") != std::string::npos);
    refusals.flush(start + 9s);
    CHECK(log.lines() == 4);
    refusals.flush(start + 11s);
    CHECK(log.lines() == 5);
    const auto text = log.text();
    CHECK(text.find("refused 998 more connections") != std::string::npos);
    CHECK(text.find("997 address_limit") != std::string::npos);
    CHECK(text.find("1 hello_timeout") != std::string::npos);
    CHECK(text.find("most from 127.0.0.2 (997)") != std::string::npos);
    // A new interval logs again.
    refusals.refused(start + 12s, "127.0.0.3:5", "127.0.0.3", Rejection::bad_hello, "malformed (x)");
    CHECK(log.text().find("viewer 127.0.0.3:5 rejected") != std::string::npos);
}
