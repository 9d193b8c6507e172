// Fuzzes RequestReader, the daemon's HTTP request path: the bytes a stranger
// sends to the HTTP port, read as a sequence of pipelined requests. Properties:
//  - reading them in one piece, byte by byte, and in input-derived chunks
//    (with empty reads among them) gives the same requests, then an error or
//    not, and without an error stops at the same byte. Which error may differ
//    when a request breaks two rules (malformed and too many headers):
//    http_parser calls back at different bytes when the input comes in pieces;
//    after an error the connection closes either way;
//  - no request is taken whose line and headers exceed max_header_bytes, or
//    with more than max_headers header lines; no request has a body;
//  - every error is one of the statuses the server answers (400, 413, 414, 431);
//  - a request has a path, and its query is what follows the path's '?'.
#include "fuzz_support.hpp"
#include "http/request_reader.hpp"

#include <string>
#include <vector>

using namespace camstream;

namespace {

// Small limits, so that the fuzzer reaches them with short inputs.
constexpr RequestLimits kLimits{.max_header_bytes = 256, .max_headers = 6};

struct Outcome {
    std::vector<std::string> requests;  // each request, described
    int error_status = 0;
    std::size_t consumed = 0;
};

std::string describe(const HttpRequest& request) {
    std::string text = request.method_name + " " + request.target + " path=" + request.path + " query=" +
                       request.query + (request.keep_alive ? " keep-alive" : " close");
    for (const auto& [name, value] : request.headers) text += " [" + name + ": " + value + "]";
    return text;
}

void check_request(const HttpRequest& request) {
    FUZZ_CHECK(!request.path.empty(), describe(request));
    FUZZ_CHECK(static_cast<int>(request.headers.size()) <= kLimits.max_headers, describe(request));
    FUZZ_CHECK(request.target.size() <= kLimits.max_header_bytes, describe(request));
    if (!request.query.empty()) {
        FUZZ_CHECK(request.target.find("?" + request.query) != std::string::npos, describe(request));
    }
    for (const auto& [name, value] : request.headers) {
        for (const char c : name) FUZZ_CHECK(!(c >= 'A' && c <= 'Z'), "header name not in lower case: " + name);
    }
}

Outcome read_all(std::span<const std::uint8_t> bytes, const std::vector<std::size_t>& chunks) {
    RequestReader reader(kLimits);
    Outcome outcome;
    for (const auto size : chunks) {
        auto input = bytes.subspan(outcome.consumed, size);
        while (true) {
            const auto before = input.size();
            const auto status = reader.feed(input);
            const auto taken = before - input.size();
            outcome.consumed += taken;
            if (status == RequestReader::Status::error) {
                outcome.error_status = reader.error().status;
                return outcome;
            }
            if (status == RequestReader::Status::need_more) break;
            check_request(reader.request());
            outcome.requests.push_back(describe(reader.request()));
            reader.next();
        }
        FUZZ_CHECK(input.empty(), "need_more left " + std::to_string(input.size()) + " bytes unread");
    }
    return outcome;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::uint8_t> bytes(data, size);
    const auto whole = read_all(bytes, {size});
    if (whole.error_status != 0) {
        const int status = whole.error_status;
        FUZZ_CHECK(status == 400 || status == 413 || status == 414 || status == 431,
                   "error status " + std::to_string(status));
    }
    for (const auto& chunks : fuzz::chunkings(bytes)) {
        const auto pieces = read_all(bytes, chunks);
        FUZZ_CHECK(pieces.requests == whole.requests && (pieces.error_status != 0) == (whole.error_status != 0) &&
                       (whole.error_status != 0 || pieces.consumed == whole.consumed),
                   "in pieces: " + std::to_string(pieces.requests.size()) + " requests, error " +
                       std::to_string(pieces.error_status) + ", " + std::to_string(pieces.consumed) +
                       " bytes; in one: " + std::to_string(whole.requests.size()) + " requests, error " +
                       std::to_string(whole.error_status) + ", " + std::to_string(whole.consumed) + " bytes; input " +
                       fuzz::hex(bytes));
    }
    return 0;
}
