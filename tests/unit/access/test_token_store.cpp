// TokenStore and FailedAttempts: the tokens file and the failure limit, without sockets.
#include "access/failed_attempts.hpp"
#include "access/token_store.hpp"

#include <doctest/doctest.h>

using namespace camstream;
using namespace std::chrono_literals;

TEST_CASE("tokens: a new token is 43 base64url characters, different each time, and its hash finds it") {
    const auto first = new_token();
    const auto second = new_token();
    CHECK(first.size() == 43);
    CHECK(first != second);
    CHECK(first.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
          std::string::npos);

    TokenEntry alice{.name = "alice", .hash = hash_token(first), .max_fps = 5, .max_streams = 2};
    const auto text = "# viewers\n" + format_entry(alice) + "\n\nbob " + format_hash(hash_token(second)) + "  # the NVR\n";
    std::string error;
    const auto store = TokenStore::parse(text, "tokens", error);
    REQUIRE_MESSAGE(store, error);
    REQUIRE(store->entries().size() == 2);
    const auto* found = store->find(first);
    REQUIRE(found != nullptr);
    CHECK(found->name == "alice");
    CHECK(found->max_fps == 5);
    CHECK(found->max_streams == 2);
    CHECK(store->find(second)->name == "bob");
    CHECK(store->find(first + "x") == nullptr);
    CHECK(store->find("") == nullptr);
    CHECK(text.find(first) == std::string::npos);  // the file holds hashes only
}

TEST_CASE("tokens: the hash is SHA-256 of the token, base64url without padding") {
    // printf abc | sha256sum: ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
    CHECK(format_hash(hash_token("abc")) == "sha256:ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
}

TEST_CASE("tokens: a broken tokens file is refused at its line") {
    const auto hash = format_hash(hash_token("t"));
    const std::pair<std::string, std::string> cases[] = {
        {"alice\n", "tokens:1: expected 'NAME sha256:HASH"},
        {"\n\nal ice " + hash + "\n", "tokens:3: the hash must be"},  // "al" with the hash "ice"
        {"alice sha256:abc\n", "tokens:1: the hash must be"},
        {"alice md5:" + hash.substr(7) + "\n", "tokens:1: the hash must be"},
        {"al/ice " + hash + "\n", "tokens:1: the name must be"},
        {"alice " + hash + " max_fps=abc\n", "tokens:1: max_fps must be"},
        {"alice " + hash + " speed=1\n", "tokens:1: unknown 'speed'"},
        {"alice " + hash + "\nalice " + hash + "\n", "tokens:2: 'alice' is listed twice"},
    };
    for (const auto& [text, expected] : cases) {
        std::string error;
        CHECK_FALSE(TokenStore::parse(text, "tokens", error));
        CHECK_MESSAGE(error.find(expected) != std::string::npos, text << " -> " << error);
    }
}

TEST_CASE("failed attempts: an address is blocked after max failures within a minute, then let go") {
    FailedAttempts failures(3);
    const auto start = FailedAttempts::Clock::now();
    failures.failed("127.0.0.2", start);
    failures.failed("127.0.0.2", start + 1s);
    CHECK_FALSE(failures.blocked("127.0.0.2", start + 2s));
    failures.failed("127.0.0.2", start + 2s);
    const auto wait = failures.blocked("127.0.0.2", start + 3s);
    REQUIRE(wait);
    CHECK(*wait == 57s);
    CHECK_FALSE(failures.blocked("127.0.0.3", start + 3s));  // another address is not affected
    CHECK_FALSE(failures.blocked("127.0.0.2", start + 61s));
}
