// Fuzzes ticket reading, the daemon's other parser of what strangers send: a
// credential in a hello or an HTTP request. The first byte picks how the rest
// is used:
//  - even: as a whole ticket, verified against a fixed key (what an attacker
//    controls entirely; the signature stops it early, the parsing before it must hold);
//  - odd: as the claims JSON of a ticket the harness signs with that key, so
//    that the fuzzer reaches every claim check behind a valid signature.
// Properties: nothing crashes or leaks; a refusal always says why, in one of
// the sentences a viewer may be shown; an accepted ticket has every claim in
// range, and minting it again gives a ticket that reads back the same.
#include "access/line_file.hpp"
#include "access/ticket.hpp"
#include "fuzz_support.hpp"

#include <sodium.h>

#include <string>

using namespace camstream;

namespace {

constexpr std::int64_t kNow = 1'800'000'000;

const SigningKey& fixed_key() {
    static const SigningKey key = [] {
        init_sodium();
        SigningKey made;
        made.id = "fuzz";
        made.public_key.id = "fuzz";
        std::array<std::uint8_t, 32> seed{};
        seed.fill(7);
        crypto_sign_seed_keypair(made.public_key.public_key.data(), made.secret.data(), seed.data());
        return made;
    }();
    return key;
}

const TicketKeys& fixed_keys() {
    static const TicketKeys keys = [] {
        std::string error;
        return *TicketKeys::parse(format_key_line(fixed_key().public_key) + "\n", "keys", error);
    }();
    return keys;
}

bool known_refusal(const std::string& error) {
    for (const char* start : {"ticket is malformed", "ticket signature is not valid",
                              "ticket is not signed by a trusted key", "ticket algorithm must be EdDSA",
                              "ticket expired", "ticket is not valid yet", "ticket is for another camera"}) {
        if (error.rfind(start, 0) == 0) return true;
    }
    return false;
}

std::string signed_with_fixed_key(std::string_view claims) {
    const std::string header = R"({"alg":"EdDSA","kid":"fuzz"})";
    const auto as_bytes = [](std::string_view text) {
        return std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
    };
    const auto text = base64url(as_bytes(header)) + "." + base64url(as_bytes(claims));
    std::array<std::uint8_t, crypto_sign_BYTES> signature{};
    crypto_sign_detached(signature.data(), nullptr, reinterpret_cast<const unsigned char*>(text.data()), text.size(),
                         fixed_key().secret.data());
    return text + "." + base64url(signature);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
    const auto text = (data[0] & 1) != 0 ? signed_with_fixed_key(rest) : std::string(rest);
    const TicketRules rules{.now = kNow, .leeway = 30, .audience = (data[0] & 2) != 0 ? "porch" : ""};

    const auto reading = verify_ticket(text, fixed_keys(), rules);
    if (!reading.ticket) {
        FUZZ_CHECK(known_refusal(reading.error), "unexpected refusal text: " + reading.error);
        return 0;
    }
    const auto& ticket = *reading.ticket;
    FUZZ_CHECK(reading.error.empty(), "accepted with an error: " + reading.error);
    FUZZ_CHECK(valid_ticket_id(ticket.id), "accepted a bad id: " + ticket.id);
    FUZZ_CHECK(!ticket.subject.empty() && ticket.subject.size() <= 128, "accepted a bad subject");
    FUZZ_CHECK(ticket.plan == Ticket::Plan::pass || ticket.minutes >= 1, "minutes plan without minutes");
    FUZZ_CHECK(ticket.max_streams >= 0 && ticket.max_fps >= 0 && ticket.max_fps <= 1000, "limits out of range");
    FUZZ_CHECK(kNow <= ticket.expires + 30, "accepted an expired ticket");
    FUZZ_CHECK(ticket.not_before <= kNow + 30, "accepted a ticket not valid yet");
    FUZZ_CHECK(ticket.key_id == "fuzz", "accepted under key '" + ticket.key_id + "'");
    FUZZ_CHECK(text.size() <= kMaxTicketBytes, "accepted a ticket over the size limit");

    // Minting what was read gives a ticket that reads back the same (when it fits).
    const auto again = mint_ticket(ticket, fixed_key(), "fuzz");
    if (again.size() > kMaxTicketBytes) return 0;
    const auto reread = verify_ticket(again, fixed_keys(), rules);
    FUZZ_CHECK(reread.ticket.has_value(), "a re-minted ticket is refused: " + reread.error);
    const auto& same = *reread.ticket;
    FUZZ_CHECK(same.id == ticket.id && same.subject == ticket.subject && same.plan == ticket.plan &&
                   same.minutes == ticket.minutes && same.expires == ticket.expires &&
                   same.not_before == ticket.not_before && same.max_streams == ticket.max_streams &&
                   same.max_fps == ticket.max_fps && same.audience == ticket.audience,
               "a re-minted ticket reads back differently");
    return 0;
}
