// Tickets without sockets: the JWT form, the pinned algorithm, keys, times,
// audience, and the PEM private key checked against RFC 8037's example key.
#include "access/line_file.hpp"
#include "access/ticket.hpp"
#include "access/time_text.hpp"

#include <doctest/doctest.h>

#include <sodium.h>

using namespace camstream;

namespace {

constexpr std::int64_t kNow = 1'800'000'000;

std::span<const std::uint8_t> bytes_of(std::string_view text) {
    return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

Ticket pass_ticket(std::string id = "T1") {
    Ticket ticket;
    ticket.id = std::move(id);
    ticket.subject = "alice@example.com";
    ticket.expires = kNow + 3600;
    return ticket;
}

TicketKeys keys_of(const std::vector<const SigningKey*>& signing_keys) {
    std::string text;
    for (const auto* key : signing_keys) text += format_key_line(key->public_key) + "\n";
    std::string error;
    auto keys = TicketKeys::parse(text, "keys", error);
    REQUIRE_MESSAGE(keys, error);
    return *keys;
}

std::string verify_error(const std::string& ticket, const TicketKeys& keys, TicketRules rules = {kNow, 0, {}}) {
    const auto reading = verify_ticket(ticket, keys, rules);
    CHECK(reading.ticket.has_value() == reading.error.empty());
    return reading.error;
}

// A ticket with the header and claims given as JSON text, signed by `key`.
std::string signed_ticket(std::string_view header, std::string_view claims, const SigningKey& key) {
    const auto text = base64url(bytes_of(header)) + "." + base64url(bytes_of(claims));
    std::array<std::uint8_t, crypto_sign_BYTES> signature{};
    crypto_sign_detached(signature.data(), nullptr, reinterpret_cast<const unsigned char*>(text.data()), text.size(),
                         key.secret.data());
    return text + "." + base64url(signature);
}

}  // namespace

TEST_CASE("tickets: a minted ticket verifies with its key and carries every claim") {
    const auto key = new_signing_key("shop-1");
    auto ticket = pass_ticket();
    ticket.plan = Ticket::Plan::minutes;
    ticket.minutes = 90;
    ticket.not_before = kNow - 10;
    ticket.max_streams = 2;
    ticket.max_fps = 5;
    ticket.audience = {"porch"};
    const auto text = mint_ticket(ticket, key, key.id);
    CHECK(looks_like_ticket(text));
    CHECK(text.size() < kMaxTicketBytes);

    const auto reading = verify_ticket(text, keys_of({&key}), {kNow, 0, "porch"});
    REQUIRE_MESSAGE(reading.ticket, reading.error);
    const auto& read = *reading.ticket;
    CHECK(read.id == "T1");
    CHECK(read.subject == "alice@example.com");
    CHECK(read.plan == Ticket::Plan::minutes);
    CHECK(read.minutes == 90);
    CHECK(read.not_before == kNow - 10);
    CHECK(read.expires == kNow + 3600);
    CHECK(read.max_streams == 2);
    CHECK(read.max_fps == 5);
    CHECK(read.key_id == "shop-1");
    CHECK(reading.header_json.find("\"alg\":\"EdDSA\"") != std::string::npos);
}

TEST_CASE("tickets: tampered, wrong key, unknown kid, other algorithms and malformed text are refused, each saying which") {
    const auto key = new_signing_key("shop-1");
    const auto other = new_signing_key("shop-1");  // same id, different key: a forger's
    const auto keys = keys_of({&key});
    const auto text = mint_ticket(pass_ticket(), key, key.id);
    REQUIRE(verify_error(text, keys).empty());

    // One claim changed after signing: the signature no longer covers it.
    const auto first_dot = text.find('.');
    const auto second_dot = text.find('.', first_dot + 1);
    const auto forged_claims = base64url(bytes_of(R"({"jti":"T1","sub":"mallory","exp":1800003600,"plan":"pass"})"));
    CHECK(verify_error(text.substr(0, first_dot + 1) + forged_claims + text.substr(second_dot), keys) ==
          "ticket signature is not valid");
    CHECK(verify_error(mint_ticket(pass_ticket(), other, other.id), keys) == "ticket signature is not valid");
    CHECK(verify_error(mint_ticket(pass_ticket(), key, "shop-9"), keys) == "ticket is not signed by a trusted key");
    // No kid: every trusted key is tried, and the one that verifies is named.
    const auto without_kid = verify_ticket(mint_ticket(pass_ticket(), key, ""), keys, {kNow, 0, {}});
    REQUIRE(without_kid.ticket);
    CHECK(without_kid.ticket->key_id == "shop-1");
    CHECK(verify_error(mint_ticket(pass_ticket(), other, ""), keys) == "ticket is not signed by a trusted key");

    const std::string claims = R"({"jti":"T1","sub":"a","exp":1800003600,"plan":"pass"})";
    CHECK(verify_error(signed_ticket(R"({"alg":"none"})", claims, key), keys) == "ticket algorithm must be EdDSA");
    CHECK(verify_error(signed_ticket(R"({"alg":"HS256"})", claims, key), keys) == "ticket algorithm must be EdDSA");
    CHECK(verify_error(signed_ticket(R"({"typ":"JWT"})", claims, key), keys) == "ticket algorithm must be EdDSA");
    CHECK(verify_error(signed_ticket(R"({"alg":"EdDSA","crit":["exp"]})", claims, key), keys).find("malformed") !=
          std::string::npos);
    CHECK(verify_error(signed_ticket(R"({"alg":"EdDSA"})", claims, key), keys).empty());
    for (const auto* bad_claims : {R"({"sub":"a","exp":1800003600,"plan":"pass"})",                    // no jti
                                   R"({"jti":"a b","sub":"a","exp":1800003600,"plan":"pass"})",          // bad jti
                                   R"({"jti":"T","exp":1800003600,"plan":"pass"})",                      // no sub
                                   R"({"jti":"T","sub":"a","plan":"pass"})",                             // no exp
                                   R"({"jti":"T","sub":"a","exp":"soon","plan":"pass"})",                // exp text
                                   R"({"jti":"T","sub":"a","exp":1800003600})",                          // no plan
                                   R"({"jti":"T","sub":"a","exp":1800003600,"plan":"minutes"})",         // no minutes
                                   R"({"jti":"T","sub":"a","exp":1800003600,"plan":"pass","max_streams":-1})",
                                   R"({"jti":"T","sub":"a","exp":1800003600,"plan":"pass","aud":7})", "[1,2]", "{"}) {
        INFO(bad_claims);
        CHECK(verify_error(signed_ticket(R"({"alg":"EdDSA"})", bad_claims, key), keys).find("ticket is malformed") == 0);
    }
    for (const auto& garbage : {std::string(), std::string("a.b"), std::string("a.b.c.d"), std::string("!!.??.**"),
                                std::string(2000, 'a') + ".b.c"}) {
        CHECK(verify_error(garbage, keys).find("ticket is malformed") == 0);
    }
    CHECK_FALSE(looks_like_ticket(new_signing_key("x").id));
}

TEST_CASE("tickets: not before, expiry and audience, with the clock leeway") {
    const auto key = new_signing_key("k");
    const auto keys = keys_of({&key});
    auto ticket = pass_ticket();
    ticket.not_before = kNow + 100;
    ticket.expires = kNow + 200;
    ticket.audience = {"porch", "garden"};
    const auto text = mint_ticket(ticket, key, key.id);
    CHECK(verify_error(text, keys, {kNow, 0, "porch"}) == "ticket is not valid yet");
    CHECK(verify_error(text, keys, {kNow, 100, "porch"}).empty());  // the leeway forgives a minter's fast clock
    CHECK(verify_error(text, keys, {kNow + 150, 0, "garden"}).empty());
    CHECK(verify_error(text, keys, {kNow + 150, 0, "kitchen"}) == "ticket is for another camera");
    // A camera without a name accepts only tickets that name none (RFC 7519 4.1.3).
    CHECK(verify_error(text, keys, {kNow + 150, 0, {}}) == "ticket is for another camera");
    ticket.audience.clear();
    CHECK(verify_error(mint_ticket(ticket, key, key.id), keys, {kNow + 150, 0, "kitchen"}).empty());
    CHECK(verify_error(text, keys, {kNow + 199, 0, "porch"}).empty());
    CHECK(verify_error(text, keys, {kNow + 200, 0, "porch"}) == "ticket expired");  // on exp: expired (RFC 7519 4.1.4)
    CHECK(verify_error(text, keys, {kNow + 201, 5, "porch"}).empty());
}

TEST_CASE("tickets: an nbf before 1970 is kept when a read ticket is minted again") {
    // Found by the ticket fuzz harness: minting dropped a negative nbf, so the
    // re-minted ticket read back with none.
    const auto key = new_signing_key("k");
    const auto keys = keys_of({&key});
    const auto text = signed_ticket(R"({"alg":"EdDSA","kid":"k"})",
                                    R"({"jti":"T2","sub":"bob","exp":1800003600,"nbf":-799999000,"plan":"pass"})", key);
    const auto reading = verify_ticket(text, keys, {kNow, 0, {}});
    REQUIRE_MESSAGE(reading.ticket, reading.error);
    CHECK(reading.ticket->not_before == -799'999'000);
    const auto again = verify_ticket(mint_ticket(*reading.ticket, key, key.id), keys, {kNow, 0, {}});
    REQUIRE_MESSAGE(again.ticket, again.error);
    CHECK(again.ticket->not_before == -799'999'000);
}

TEST_CASE("tickets: the PEM private key holds RFC 8037's example key as openssl writes it, and round-trips") {
    // RFC 8037 A.1: the private key d and its public key x.
    const auto seed = from_base64url("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A");
    REQUIRE(seed);
    // `openssl pkey` writes this key as PKCS#8: the fixed Ed25519 prefix, then d.
    std::vector<std::uint8_t> der = {0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06,
                                     0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20};
    der.insert(der.end(), seed->begin(), seed->end());
    std::string body(sodium_base64_ENCODED_LEN(der.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
    sodium_bin2base64(body.data(), body.size(), der.data(), der.size(), sodium_base64_VARIANT_ORIGINAL);
    body.resize(body.find('\0'));
    std::string error;
    const auto key = parse_private_pem("-----BEGIN PRIVATE KEY-----\n" + body + "\n-----END PRIVATE KEY-----\n", error);
    REQUIRE_MESSAGE(key, error);
    CHECK(base64url(key->public_key.public_key) == "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo");
    // A.4: its signature of the example JWS is this one (Ed25519 is deterministic).
    const std::string signing_input = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
    std::array<std::uint8_t, crypto_sign_BYTES> signature{};
    crypto_sign_detached(signature.data(), nullptr, reinterpret_cast<const unsigned char*>(signing_input.data()),
                         signing_input.size(), key->secret.data());
    CHECK(base64url(signature) ==
          "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg");

    const auto made = new_signing_key("shop-2026");
    const auto pem = format_private_pem(made);
    CHECK(pem.rfind("# kid: shop-2026\n-----BEGIN PRIVATE KEY-----\n", 0) == 0);
    const auto read = parse_private_pem(pem, error);
    REQUIRE_MESSAGE(read, error);
    CHECK(read->id == "shop-2026");
    CHECK(read->public_key.public_key == made.public_key.public_key);
    CHECK_FALSE(parse_private_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", error));
}

TEST_CASE("tickets: the keys file names its errors by line") {
    std::string error;
    CHECK_FALSE(TicketKeys::parse("# keys\nshop ed25519:abc\n", "keys", error));
    CHECK(error.rfind("keys:2: ", 0) == 0);
    const auto key = new_signing_key("a");
    const auto line = format_key_line(key.public_key);
    CHECK_FALSE(TicketKeys::parse(line + "\n" + line + "\n", "keys", error));
    CHECK(error == "keys:2: key 'a' is listed twice");
    CHECK_FALSE(TicketKeys::parse("a/b " + line.substr(2) + "\n", "keys", error));
    CHECK(error.find("keys:1: the key id") == 0);
}

TEST_CASE("tickets: times are read as ISO 8601 UTC, dates, unix seconds and offsets from now") {
    CHECK(parse_time("2027-01-15T08:30:00Z", 0) == 1'800'001'800);  // date -u -d ... +%s
    CHECK(parse_time("2027-01-15", 0) == 1'799'971'200);
    CHECK(parse_time("@1800000000", 0) == 1'800'000'000);
    CHECK(parse_time("+90m", 1000) == 1000 + 5400);
    CHECK(parse_time("+7d", 0) == 7 * 86400);
    CHECK(parse_time("-1d", 100'000) == 100'000 - 86400);
    for (const auto* bad : {"", "tomorrow", "2027-1-15", "2027-01-15T08:30:00", "+5y", "+m", "@x", "2027-01-15Z"}) {
        CHECK_FALSE(parse_time(bad, 0));
    }
    CHECK(iso_time(1'800'000'000) == "2027-01-15T08:00:00Z");
    CHECK(iso_time(1'800'000'000.25) == "2027-01-15T08:00:00.250Z");
}

// time_t is 32 bits on bookworm's armhf: a ticket valid into 2040 must still
// read and print right there (scripts/cross armhf runs this).
TEST_CASE("tickets: times after January 2038 read and print right, and impossible dates are refused") {
    CHECK(parse_time("2040-06-01T12:34:56Z", 0) == 2'222'166'896);  // date -u -d ... +%s
    CHECK(parse_time("2040-06-01", 0) == 2'222'121'600);
    CHECK(iso_time(2'222'166'896) == "2040-06-01T12:34:56Z");
    CHECK(iso_time(0) == "1970-01-01T00:00:00Z");
    CHECK_FALSE(parse_time("2027-02-30", 0));
    CHECK_FALSE(parse_time("2027-13-01T00:00:00Z", 0));
}
