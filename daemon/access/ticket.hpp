// Tickets: what a paying viewer shows. A ticket is a JWT (RFC 7519) signed
// with EdDSA over Ed25519 (RFC 8037), and nothing else: the algorithm is
// pinned, so "none" or an HMAC keyed with our public key cannot pass. JWT
// because every language has a library that mints one (a web shop needs no
// code of ours: docs/ACCESS.md), Ed25519 because the camera then holds only
// public keys (a stolen camera mints nothing) and libsodium verifies it in
// constant time. JSON is read by nlohmann-json.
#pragma once

#include "access/ticket_keys.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace camstream {

inline constexpr std::size_t kMaxTicketBytes = 1024;

struct Ticket {
    enum class Plan : std::uint8_t { pass, minutes };
    std::string id;       // jti
    std::string subject;  // sub: who paid
    Plan plan = Plan::pass;
    int minutes = 0;              // the budget, for Plan::minutes
    std::int64_t not_before = 0;  // nbf, unix seconds; 0: from the start
    std::int64_t expires = 0;     // exp, unix seconds
    int max_streams = 1;          // at once with this ticket; 0: no limit
    int max_fps = 0;              // 0: no cap
    std::vector<std::string> audience;  // aud: the cameras it is for; empty: any
    std::string key_id;                 // kid of the header (once verified: the key that verified it)
    std::array<std::uint8_t, 32> public_key{};  // once verified: that key
};

// A ticket read, or why not (a sentence a viewer may be shown: nothing secret).
struct TicketReading {
    std::optional<Ticket> ticket;
    std::string error;
    std::string header_json, claims_json;  // as decoded, for `ticket inspect`
    // The signature verified with a trusted key: a refusal after that (expired,
    // another camera) is no guess at a credential.
    bool authentic = false;
};

// What a ticket must satisfy beyond its signature.
struct TicketRules {
    std::int64_t now = 0;     // unix seconds
    std::int64_t leeway = 0;  // seconds of clock skew forgiven on nbf and exp
    std::string audience;     // this camera's; empty: only tickets without an audience pass
};

// Checks form, algorithm and signature against the trusted keys, then the
// claims against the rules. Revocation and watch time are the caller's.
TicketReading verify_ticket(std::string_view text, const TicketKeys& keys, const TicketRules& rules);
// Decodes without checking the signature or the times (for `ticket inspect`).
TicketReading decode_ticket(std::string_view text);
// True when a credential has a ticket's shape (three dot-separated parts), not a token's.
bool looks_like_ticket(std::string_view credential);
// Signs a ticket; key_id goes in the header.
std::string mint_ticket(const Ticket& ticket, const SigningKey& key, const std::string& key_id);
bool valid_ticket_id(std::string_view id);

}  // namespace camstream
