// TokenStore: see token_store.hpp.
#include "access/token_store.hpp"

#include "access/line_file.hpp"

#include <sodium.h>

#include <charconv>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace camstream {
namespace {

constexpr std::string_view kHashPrefix = "sha256:";

std::optional<int> limit_value(std::string_view text, int max) {
    int value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || value < 0 || value > max) return std::nullopt;
    return value;
}

}  // namespace

bool valid_token_name(std::string_view name) {
    if (name.empty() || name.size() > 64) return false;
    for (const char c : name) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                        c == '_' || c == '-';
        if (!ok) return false;
    }
    return true;
}

TokenHash hash_token(std::string_view token) {
    init_sodium();
    TokenHash hash{};
    crypto_hash_sha256(hash.data(), reinterpret_cast<const unsigned char*>(token.data()), token.size());
    return hash;
}

std::string format_hash(const TokenHash& hash) {
    init_sodium();
    return std::string(kHashPrefix) + base64url(hash);
}

std::string new_token() {
    init_sodium();
    std::array<std::uint8_t, 32> random{};
    randombytes_buf(random.data(), random.size());
    auto text = base64url(random);
    sodium_memzero(random.data(), random.size());
    return text;
}

std::string format_entry(const TokenEntry& entry) {
    std::string line = entry.name + " " + format_hash(entry.hash);
    if (entry.max_fps > 0) line += " max_fps=" + std::to_string(entry.max_fps);
    if (entry.max_streams > 0) line += " max_streams=" + std::to_string(entry.max_streams);
    return line;
}

std::optional<TokenStore> TokenStore::load(const std::string& path, std::string& error) {
    const auto text = read_text_file(path);
    if (!text) {
        error = path + ": cannot read the tokens file (access.tokens_file); create it with 'camstreamd token add NAME'";
        return std::nullopt;
    }
    return parse(*text, path, error);
}

std::optional<TokenStore> TokenStore::parse(std::string_view text, const std::string& path, std::string& error) {
    init_sodium();
    TokenStore store;
    const bool ok = for_each_entry(text, [&](int line_number, const std::vector<std::string_view>& fields) {
        const auto where = path + ":" + std::to_string(line_number) + ": ";
        if (fields.size() < 2) {
            error = where + "expected 'NAME sha256:HASH [max_fps=N] [max_streams=N]'";
            return false;
        }
        TokenEntry entry;
        entry.name = std::string(fields[0]);
        if (!valid_token_name(entry.name)) {
            error = where + "the name must be 1 to 64 of A-Z a-z 0-9 . _ -";
            return false;
        }
        if (store.find_name(entry.name) != nullptr) {
            error = where + "'" + entry.name + "' is listed twice";
            return false;
        }
        const auto hash_text = fields[1];
        const auto hash = hash_text.substr(0, kHashPrefix.size()) == kHashPrefix
                              ? from_base64url(hash_text.substr(kHashPrefix.size()))
                              : std::nullopt;
        if (!hash || hash->size() != entry.hash.size()) {
            error = where + "the hash must be sha256: and 43 base64url characters (what 'camstreamd token add' writes)";
            return false;
        }
        std::copy(hash->begin(), hash->end(), entry.hash.begin());
        for (std::size_t i = 2; i < fields.size(); ++i) {
            const auto field = fields[i];
            const auto equals = field.find('=');
            const auto key = field.substr(0, equals);
            const auto value = equals == std::string_view::npos ? std::string_view{} : field.substr(equals + 1);
            if (key == "max_fps") {
                const auto fps = limit_value(value, 1000);
                if (!fps) {
                    error = where + "max_fps must be 0 to 1000";
                    return false;
                }
                entry.max_fps = static_cast<std::uint16_t>(*fps);
            } else if (key == "max_streams") {
                const auto streams = limit_value(value, 100000);
                if (!streams) {
                    error = where + "max_streams must be 0 to 100000";
                    return false;
                }
                entry.max_streams = *streams;
            } else {
                error = where + "unknown '" + std::string(key) + "'; expected max_fps=N or max_streams=N";
                return false;
            }
        }
        store.entries_.push_back(std::move(entry));
        return true;
    });
    if (!ok) return std::nullopt;
    return store;
}

const TokenEntry* TokenStore::find(std::string_view token) const {
    const auto hash = hash_token(token);
    const TokenEntry* found = nullptr;
    // Every entry is compared, whatever matched, in constant time each.
    for (const auto& entry : entries_) {
        if (sodium_memcmp(entry.hash.data(), hash.data(), hash.size()) == 0) found = &entry;
    }
    return found;
}

const TokenEntry* TokenStore::find_name(std::string_view name) const {
    for (const auto& entry : entries_) {
        if (entry.name == name) return &entry;
    }
    return nullptr;
}

}  // namespace camstream
