// TokenStore: the named viewers of access.mode "tokens", read from the tokens
// file (access.tokens_file). The file holds a SHA-256 hash of each token, never
// the token: a token is 32 random bytes, so a plain hash is as strong as the
// token itself, and a copy of the file lets nobody watch. Hashing and the
// constant-time comparison are libsodium's.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace camstream {

using TokenHash = std::array<std::uint8_t, 32>;

struct TokenEntry {
    std::string name;
    TokenHash hash{};
    std::uint16_t max_fps = 0;  // 0: as fast as the viewer asks
    int max_streams = 0;        // streams at once with this token; 0: no limit
};

class TokenStore {
public:
    // Reads FILE; on failure, error says "FILE:LINE: what" (or why it cannot be read).
    static std::optional<TokenStore> load(const std::string& path, std::string& error);
    // Parses the text of a tokens file named `path` (for messages).
    static std::optional<TokenStore> parse(std::string_view text, const std::string& path, std::string& error);

    // The entry whose hash is the token's, compared in constant time; null when none.
    const TokenEntry* find(std::string_view token) const;
    const TokenEntry* find_name(std::string_view name) const;
    const std::vector<TokenEntry>& entries() const { return entries_; }

private:
    std::vector<TokenEntry> entries_;
};

// A new token: 32 random bytes, base64url without padding (43 characters).
std::string new_token();
TokenHash hash_token(std::string_view token);
// "sha256:BASE64URL", as the tokens file writes a hash.
std::string format_hash(const TokenHash& hash);
// One line of the tokens file.
std::string format_entry(const TokenEntry& entry);
// NAME as the file allows it: [A-Za-z0-9._-], 1 to 64 characters.
bool valid_token_name(std::string_view name);

}  // namespace camstream
