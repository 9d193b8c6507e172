// Grant: what a viewer was admitted with, from admission to the ledger.
#pragma once

#include "access/token_store.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace camstream {

// What a viewer was admitted with: what later decides whether it may go on
// watching (a reload, the ticket's expiry, its watch time) and whom the
// ledger says watched.
struct Grant {
    enum class Kind : std::uint8_t { open, token, ticket };
    Kind kind = Kind::open;
    std::string name;        // the token's name, or the ticket's id
    std::string subject;     // the ticket's subject (who paid)
    TokenHash token_hash{};  // the token it was admitted with
    std::string key_id;      // the key that verified the ticket ...
    std::array<std::uint8_t, 32> public_key{};  // ... and what it was then
    std::vector<std::string> audience;          // the ticket's aud
    std::int64_t expires = 0;  // the ticket's exp, unix seconds
    int minutes = 0;           // the ticket's watch-time budget; 0: none
    int max_streams = 0;       // 0: no limit
    // "token 'alice'", "ticket 'T1' (subject 'bob')": for logs, never the secret.
    std::string describe() const {
        switch (kind) {
            case Kind::open: return "open access";
            case Kind::token: return "token '" + name + "'";
            case Kind::ticket: return "ticket '" + name + "' (subject '" + subject + "')";
        }
        return {};
    }
};

}  // namespace camstream
