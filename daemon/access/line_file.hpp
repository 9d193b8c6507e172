// The small text files access control reads and its commands edit (tokens,
// ticket keys, revoked tickets): one entry a line, '#' starts a comment,
// fields split on blanks. Also base64url, which every one of them writes.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace camstream {

// The blank-separated words of one line.
std::vector<std::string_view> words(std::string_view line);

// Calls `entry` with the line number and words of every line that has any,
// comments removed. Stops early, returning false, when `entry` does.
bool for_each_entry(std::string_view text,
                    const std::function<bool(int line_number, const std::vector<std::string_view>&)>& entry);

// The whole file; nullopt when it cannot be read.
std::optional<std::string> read_text_file(const std::string& path);

// Appends LINE (a newline is added, and one before it when the file's last
// line lacks one); creates the file with `mode` (set explicitly, whatever the
// umask). false, with error, when it cannot.
bool append_line(const std::string& path, std::string_view line, mode_t mode, std::string& error);

// libsodium, ready to use (idempotent, thread-safe); throws when the system
// has no random source.
void init_sodium();

// base64url without padding (RFC 4648 section 5), as JWTs and our files use it.
std::string base64url(std::span<const std::uint8_t> bytes);
std::optional<std::vector<std::uint8_t>> from_base64url(std::string_view text);

}  // namespace camstream
