// Ticket keys: see ticket_keys.hpp.
#include "access/ticket_keys.hpp"

#include "access/line_file.hpp"
#include "access/token_store.hpp"

#include <sodium.h>

#include <algorithm>

namespace camstream {
namespace {

constexpr std::string_view kKeyPrefix = "ed25519:";
constexpr std::string_view kPemBegin = "-----BEGIN PRIVATE KEY-----";
constexpr std::string_view kPemEnd = "-----END PRIVATE KEY-----";
constexpr std::string_view kKidLine = "# kid: ";
// PKCS#8 (RFC 8410) of an Ed25519 key is always these 16 bytes, then the 32-byte seed.
constexpr std::array<std::uint8_t, 16> kPkcs8Ed25519 = {0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06,
                                                        0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20};

}  // namespace

std::optional<TicketKeys> TicketKeys::load(const std::string& path, std::string& error) {
    const auto text = read_text_file(path);
    if (!text) {
        error = path + ": cannot read the ticket keys file (access.ticket_keys_file); make a key with "
                       "'camstreamd ticket keygen'";
        return std::nullopt;
    }
    return parse(*text, path, error);
}

std::optional<TicketKeys> TicketKeys::parse(std::string_view text, const std::string& path, std::string& error) {
    TicketKeys keys;
    const bool ok = for_each_entry(text, [&](int line_number, const std::vector<std::string_view>& fields) {
        const auto where = path + ":" + std::to_string(line_number) + ": ";
        if (fields.size() != 2) {
            error = where + "expected 'KID ed25519:PUBLIC_KEY'";
            return false;
        }
        TicketKey key;
        key.id = std::string(fields[0]);
        if (!valid_token_name(key.id)) {
            error = where + "the key id must be 1 to 64 of A-Z a-z 0-9 . _ -";
            return false;
        }
        if (keys.find(key.id) != nullptr) {
            error = where + "key '" + key.id + "' is listed twice";
            return false;
        }
        const auto value = fields[1];
        const auto bytes = value.substr(0, kKeyPrefix.size()) == kKeyPrefix
                               ? from_base64url(value.substr(kKeyPrefix.size()))
                               : std::nullopt;
        if (!bytes || bytes->size() != key.public_key.size()) {
            error = where + "the key must be ed25519: and 43 base64url characters (a raw Ed25519 public key)";
            return false;
        }
        std::copy(bytes->begin(), bytes->end(), key.public_key.begin());
        keys.entries_.push_back(std::move(key));
        return true;
    });
    if (!ok) return std::nullopt;
    return keys;
}

const TicketKey* TicketKeys::find(std::string_view id) const {
    const auto found = std::find_if(entries_.begin(), entries_.end(), [&](const auto& key) { return key.id == id; });
    return found == entries_.end() ? nullptr : &*found;
}

std::string format_key_line(const TicketKey& key) {
    return key.id + " " + std::string(kKeyPrefix) + base64url(key.public_key);
}

SigningKey new_signing_key(const std::string& id) {
    init_sodium();
    SigningKey key;
    key.id = id;
    key.public_key.id = id;
    crypto_sign_keypair(key.public_key.public_key.data(), key.secret.data());
    return key;
}

std::string format_private_pem(const SigningKey& key) {
    std::vector<std::uint8_t> der(kPkcs8Ed25519.begin(), kPkcs8Ed25519.end());
    der.insert(der.end(), key.secret.begin(), key.secret.begin() + crypto_sign_SEEDBYTES);
    std::string body(sodium_base64_ENCODED_LEN(der.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
    sodium_bin2base64(body.data(), body.size(), der.data(), der.size(), sodium_base64_VARIANT_ORIGINAL);
    body.resize(body.find('\0'));
    sodium_memzero(der.data(), der.size());
    std::string pem = std::string(kKidLine) + key.id + "\n" + std::string(kPemBegin) + "\n";
    for (std::size_t at = 0; at < body.size(); at += 64) pem += body.substr(at, 64) + "\n";
    sodium_memzero(body.data(), body.size());
    return pem + std::string(kPemEnd) + "\n";
}

std::optional<SigningKey> parse_private_pem(std::string_view text, std::string& error) {
    init_sodium();
    SigningKey key;
    if (text.substr(0, kKidLine.size()) == kKidLine) {
        const auto end = text.find('\n');
        key.id = std::string(text.substr(kKidLine.size(), end - kKidLine.size()));
        while (!key.id.empty() && (key.id.back() == '\r' || key.id.back() == ' ')) key.id.pop_back();
    }
    const auto begin = text.find(kPemBegin);
    const auto end = text.find(kPemEnd);
    if (begin == std::string_view::npos || end == std::string_view::npos || end < begin) {
        error = "not a PEM private key (expected " + std::string(kPemBegin) + ")";
        return std::nullopt;
    }
    const auto body = text.substr(begin + kPemBegin.size(), end - begin - kPemBegin.size());
    std::array<std::uint8_t, 64> der{};
    std::size_t size = 0;
    if (sodium_base642bin(der.data(), der.size(), body.data(), body.size(), "\r\n \t", &size, nullptr,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        size != kPkcs8Ed25519.size() + crypto_sign_SEEDBYTES ||
        !std::equal(kPkcs8Ed25519.begin(), kPkcs8Ed25519.end(), der.begin())) {
        error = "not an Ed25519 private key in PKCS#8 form (make one with 'camstreamd ticket keygen' or "
                "'openssl genpkey -algorithm ed25519')";
        return std::nullopt;
    }
    crypto_sign_seed_keypair(key.public_key.public_key.data(), key.secret.data(), der.data() + kPkcs8Ed25519.size());
    sodium_memzero(der.data(), der.size());
    key.public_key.id = key.id;
    return key;
}

}  // namespace camstream
