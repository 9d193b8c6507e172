// The live page: self-contained, relative URLs only, readable on a phone.
#include "http/live_page.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace camstream;

namespace {
bool contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }
}  // namespace

TEST_CASE("live page: shows the stream and polls healthz, both by relative URL") {
    const auto page = live_page_html();
    CHECK(page.starts_with("<!DOCTYPE html>"));
    CHECK(contains(page, R"(<img id="live" src="stream" alt="live camera">)"));
    CHECK(contains(page, R"(fetch("healthz")"));
    CHECK(contains(page, "<title>camstream</title>"));
    CHECK(contains(page, "camera lost"));
    CHECK(contains(page, "setTimeout(reloadPicture, 2000)"));
}

TEST_CASE("live page: no external assets and readable on a phone") {
    const auto page = live_page_html();
    CHECK_FALSE(contains(page, "http://"));
    CHECK_FALSE(contains(page, "https://"));
    CHECK_FALSE(contains(page, "//cdn"));
    CHECK_FALSE(contains(page, "<link"));
    CHECK_FALSE(contains(page, " src=\"/"));
    CHECK(contains(page, R"(<meta name="viewport" content="width=device-width, initial-scale=1">)"));
    CHECK(contains(page, "max-width: 100%"));
    CHECK(page.size() < 8 * 1024);
}
