// TokenStore: see token_store.hpp.
#include "access/token_store.hpp"

#include <sodium.h>

#include <charconv>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace camstream {
namespace {

constexpr std::string_view kHashPrefix = "sha256:";

void init_sodium() {
    // Idempotent and thread-safe; fails only when the system has no randomness.
    if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised (no random source?)");
}

std::vector<std::string_view> words(std::string_view line) {
    std::vector<std::string_view> out;
    std::size_t at = 0;
    while (at < line.size()) {
        while (at < line.size() && (line[at] == ' ' || line[at] == '\t')) ++at;
        const auto end = line.find_first_of(" \t", at);
        if (at < line.size()) out.push_back(line.substr(at, end == std::string_view::npos ? end : end - at));
        at = end == std::string_view::npos ? line.size() : end;
    }
    return out;
}

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
    std::string text(sodium_base64_ENCODED_LEN(hash.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
    sodium_bin2base64(text.data(), text.size(), hash.data(), hash.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    text.resize(text.find('\0'));
    return std::string(kHashPrefix) + text;
}

std::string new_token() {
    init_sodium();
    std::array<std::uint8_t, 32> random{};
    randombytes_buf(random.data(), random.size());
    std::string text(sodium_base64_ENCODED_LEN(random.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
    sodium_bin2base64(text.data(), text.size(), random.data(), random.size(),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(random.data(), random.size());
    text.resize(text.find('\0'));
    return text;
}

std::string format_entry(const TokenEntry& entry) {
    std::string line = entry.name + " " + format_hash(entry.hash);
    if (entry.max_fps > 0) line += " max_fps=" + std::to_string(entry.max_fps);
    if (entry.max_streams > 0) line += " max_streams=" + std::to_string(entry.max_streams);
    return line;
}

std::optional<TokenStore> TokenStore::load(const std::string& path, std::string& error) {
    std::ifstream file(path, std::ios::binary);
    if (!file) {
        error = path + ": cannot read the tokens file (access.tokens_file); create it with 'camstreamd token add NAME'";
        return std::nullopt;
    }
    std::ostringstream text;
    text << file.rdbuf();
    return parse(text.str(), path, error);
}

std::optional<TokenStore> TokenStore::parse(std::string_view text, const std::string& path, std::string& error) {
    init_sodium();
    TokenStore store;
    int line_number = 0;
    while (!text.empty()) {
        ++line_number;
        const auto newline = text.find('\n');
        auto line = text.substr(0, newline);
        text = newline == std::string_view::npos ? std::string_view{} : text.substr(newline + 1);
        if (const auto hash_mark = line.find('#'); hash_mark != std::string_view::npos) line = line.substr(0, hash_mark);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        const auto fields = words(line);
        if (fields.empty()) continue;
        const auto where = path + ":" + std::to_string(line_number) + ": ";
        if (fields.size() < 2) {
            error = where + "expected 'NAME sha256:HASH [max_fps=N] [max_streams=N]'";
            return std::nullopt;
        }
        TokenEntry entry;
        entry.name = std::string(fields[0]);
        if (!valid_token_name(entry.name)) {
            error = where + "the name must be 1 to 64 of A-Z a-z 0-9 . _ -";
            return std::nullopt;
        }
        if (store.find_name(entry.name) != nullptr) {
            error = where + "'" + entry.name + "' is listed twice";
            return std::nullopt;
        }
        const auto hash_text = fields[1];
        std::size_t decoded = 0;
        if (hash_text.substr(0, kHashPrefix.size()) != kHashPrefix ||
            sodium_base642bin(entry.hash.data(), entry.hash.size(), hash_text.data() + kHashPrefix.size(),
                              hash_text.size() - kHashPrefix.size(), nullptr, &decoded, nullptr,
                              sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
            decoded != entry.hash.size()) {
            error = where + "the hash must be sha256: and 43 base64url characters (what 'camstreamd token add' writes)";
            return std::nullopt;
        }
        for (std::size_t i = 2; i < fields.size(); ++i) {
            const auto field = fields[i];
            const auto equals = field.find('=');
            const auto key = field.substr(0, equals);
            const auto value = equals == std::string_view::npos ? std::string_view{} : field.substr(equals + 1);
            if (key == "max_fps") {
                const auto fps = limit_value(value, 1000);
                if (!fps) {
                    error = where + "max_fps must be 0 to 1000";
                    return std::nullopt;
                }
                entry.max_fps = static_cast<std::uint16_t>(*fps);
            } else if (key == "max_streams") {
                const auto streams = limit_value(value, 100000);
                if (!streams) {
                    error = where + "max_streams must be 0 to 100000";
                    return std::nullopt;
                }
                entry.max_streams = *streams;
            } else {
                error = where + "unknown '" + std::string(key) + "'; expected max_fps=N or max_streams=N";
                return std::nullopt;
            }
        }
        store.entries_.push_back(std::move(entry));
    }
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
