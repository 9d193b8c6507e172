// The Ed25519 keys of tickets. The camera trusts the public keys of
// access.ticket_keys_file, one "KID ed25519:BASE64URL" a line, so that a key
// can be rotated: add the new one, mint with it, remove the old one once its
// tickets have expired. The private key stays with whoever mints, as a PKCS#8
// PEM file, the form openssl, Python and every JWT library read.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace camstream {

struct TicketKey {
    std::string id;
    std::array<std::uint8_t, 32> public_key{};
};

class TicketKeys {
public:
    // Reads FILE; on failure, error says "FILE:LINE: what" (or why it cannot be read).
    static std::optional<TicketKeys> load(const std::string& path, std::string& error);
    static std::optional<TicketKeys> parse(std::string_view text, const std::string& path, std::string& error);

    const TicketKey* find(std::string_view id) const;
    const std::vector<TicketKey>& entries() const { return entries_; }

private:
    std::vector<TicketKey> entries_;
};

// One line of the keys file.
std::string format_key_line(const TicketKey& key);

// A private key: the 32-byte seed libsodium expands into its signing key.
struct SigningKey {
    std::array<std::uint8_t, 64> secret{};  // libsodium's form: seed, then public key
    TicketKey public_key;
    std::string id;  // from the file's "# kid:" line, when it has one
};

// A new key pair, as keygen makes it.
SigningKey new_signing_key(const std::string& id);
// PKCS#8 PEM, preceded by a "# kid: ID" line that openssl and PEM readers skip.
std::string format_private_pem(const SigningKey& key);
std::optional<SigningKey> parse_private_pem(std::string_view text, std::string& error);

}  // namespace camstream
