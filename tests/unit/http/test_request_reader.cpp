// RequestReader: requests one at a time, and the limits a hostile client meets.
#include "http/request_reader.hpp"

#include <doctest/doctest.h>

#include <string>
#include <string_view>

using namespace camstream;

namespace {

// A view: the text must outlive it (a literal, or a named string).
std::span<const std::uint8_t> bytes_of(std::string_view text) {
    return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

// Feeds the text one byte at a time, as a trickling client sends it.
RequestReader::Status feed_bytewise(RequestReader& reader, const std::string& text) {
    auto status = RequestReader::Status::need_more;
    for (std::size_t at = 0; at < text.size() && status == RequestReader::Status::need_more; ++at) {
        auto one = bytes_of(text).subspan(at, 1);
        status = reader.feed(one);
    }
    return status;
}

}  // namespace

TEST_CASE("http request reader: a GET with its path, query, headers and keep-alive") {
    RequestReader reader({});
    const std::string text = "GET /stream?fps=5&token=abc HTTP/1.1\r\nHost: cam\r\nAuthorization: Bearer xyz\r\n\r\n";
    auto input = bytes_of(text);
    REQUIRE(reader.feed(input) == RequestReader::Status::request);
    CHECK(input.empty());
    const auto& request = reader.request();
    CHECK(request.method == HttpRequest::Method::get);
    CHECK(request.path == "/stream");
    CHECK(request.query_value("fps") == "5");
    CHECK(request.query_value("token") == "abc");
    CHECK_FALSE(request.query_value("fp").has_value());
    CHECK(request.header("authorization") == "Bearer xyz");
    CHECK(request.keep_alive);
}

TEST_CASE("http request reader: HTTP/1.0 and Connection: close do not keep the connection") {
    for (const std::string text : {"GET / HTTP/1.0\r\n\r\n", "HEAD / HTTP/1.1\r\nConnection: close\r\n\r\n"}) {
        RequestReader reader({});
        auto input = bytes_of(text);
        REQUIRE(reader.feed(input) == RequestReader::Status::request);
        CHECK_FALSE(reader.request().keep_alive);
    }
}

TEST_CASE("http request reader: pipelined requests are read one at a time") {
    RequestReader reader({});
    const std::string text = "GET /a HTTP/1.1\r\n\r\nHEAD /b HTTP/1.1\r\n\r\nGET /c";
    auto input = bytes_of(text);
    REQUIRE(reader.feed(input) == RequestReader::Status::request);
    CHECK(reader.request().path == "/a");
    reader.next();
    CHECK_FALSE(reader.started());
    REQUIRE(reader.feed(input) == RequestReader::Status::request);
    CHECK(reader.request().path == "/b");
    CHECK(reader.request().method == HttpRequest::Method::head);
    reader.next();
    CHECK(reader.feed(input) == RequestReader::Status::need_more);
    CHECK(reader.started());
}

TEST_CASE("http request reader: a request trickled byte by byte is the same request") {
    RequestReader reader({});
    REQUIRE(feed_bytewise(reader, "GET /healthz HTTP/1.1\r\nHost: cam\r\n\r\n") == RequestReader::Status::request);
    CHECK(reader.request().path == "/healthz");
    CHECK(reader.request().header("host") == "cam");
}

TEST_CASE("http request reader: the limits give 414, 431 and 413, and garbage gives 400") {
    const RequestLimits limits{.max_header_bytes = 1024, .max_headers = 4};
    SUBCASE("a URL longer than the limit") {
        RequestReader reader(limits);
        CHECK(feed_bytewise(reader, "GET /" + std::string(2000, 'a')) == RequestReader::Status::error);
        CHECK(reader.error().status == 414);
    }
    SUBCASE("headers larger than the limit, never read past it") {
        RequestReader reader(limits);
        const std::string text = "GET / HTTP/1.1\r\nX-Big: " + std::string(100000, 'b') + "\r\n\r\n";
        auto input = bytes_of(text);
        CHECK(reader.feed(input) == RequestReader::Status::error);
        CHECK(reader.error().status == 431);
        CHECK(input.size() >= text.size() - 1025);
    }
    SUBCASE("more header lines than the limit") {
        RequestReader reader(limits);
        std::string text = "GET / HTTP/1.1\r\n";
        for (int i = 0; i < 5; ++i) text += "X-" + std::to_string(i) + ": v\r\n";
        text += "\r\n";
        auto input = bytes_of(text);
        CHECK(reader.feed(input) == RequestReader::Status::error);
        CHECK(reader.error().status == 431);
    }
    SUBCASE("exactly the limit of header lines is fine") {
        RequestReader reader(limits);
        auto input = bytes_of("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n");
        const auto status = reader.feed(input);
        INFO(reader.error().reason);
        CHECK(status == RequestReader::Status::request);
    }
    SUBCASE("a body") {
        for (const std::string text : {"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello",
                                       "GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"}) {
            RequestReader reader(limits);
            auto input = bytes_of(text);
            CHECK(reader.feed(input) == RequestReader::Status::error);
            CHECK(reader.error().status == 413);
        }
    }
    SUBCASE("not HTTP") {
        RequestReader reader(limits);
        auto input = bytes_of(std::string_view("\x16\x03\x01\x02\x00garbage\r\n\r\n", 16));
        CHECK(reader.feed(input) == RequestReader::Status::error);
        CHECK(reader.error().status == 400);
    }
}

TEST_CASE("http request reader: empty lines between requests start nothing") {
    RequestReader reader({});
    auto input = bytes_of("\r\n\r\n");
    CHECK(reader.feed(input) == RequestReader::Status::need_more);
    CHECK_FALSE(reader.started());
}
