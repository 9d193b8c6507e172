// Line files and base64url: see line_file.hpp.
#include "access/line_file.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace camstream {

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

bool for_each_entry(std::string_view text,
                    const std::function<bool(int line_number, const std::vector<std::string_view>&)>& entry) {
    int line_number = 0;
    while (!text.empty()) {
        ++line_number;
        const auto newline = text.find('\n');
        auto line = text.substr(0, newline);
        text = newline == std::string_view::npos ? std::string_view{} : text.substr(newline + 1);
        if (const auto hash_mark = line.find('#'); hash_mark != std::string_view::npos) line = line.substr(0, hash_mark);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        const auto fields = words(line);
        if (!fields.empty() && !entry(line_number, fields)) return false;
    }
    return true;
}

std::optional<std::string> read_text_file(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    if (!file) return std::nullopt;
    std::ostringstream text;
    text << file.rdbuf();
    return std::move(text).str();
}

bool append_line(const std::string& path, std::string_view line, mode_t mode, std::string& error) {
    const int fd = ::open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, mode);
    if (fd < 0) {
        error = "cannot open " + path + ": " + std::strerror(errno);
        return false;
    }
    // The umask may have narrowed a new file's mode; a file the service's own
    // user must read has to say so explicitly.
    struct stat status {};
    bool ok = ::fstat(fd, &status) == 0 && (status.st_size > 0 || ::fchmod(fd, mode) == 0);
    // A file whose last line has no newline must not run into the new one.
    if (ok && status.st_size > 0) {
        char last = '\n';
        ok = ::pread(fd, &last, 1, status.st_size - 1) == 1;
        if (ok && last != '\n') ok = ::write(fd, "\n", 1) == 1;
    }
    std::string text(line);
    text += '\n';
    ok = ok && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    ok = ::close(fd) == 0 && ok;
    if (!ok) error = "writing " + path + " failed: " + std::strerror(errno);
    return ok;
}

void init_sodium() {
    if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised (no random source?)");
}

std::string base64url(std::span<const std::uint8_t> bytes) {
    std::string text(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
    sodium_bin2base64(text.data(), text.size(), bytes.data(), bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    text.resize(text.find('\0'));
    return text;
}

std::optional<std::vector<std::uint8_t>> from_base64url(std::string_view text) {
    std::vector<std::uint8_t> bytes(text.size() * 3 / 4 + 3);
    std::size_t decoded = 0;
    const char* end = nullptr;
    if (sodium_base642bin(bytes.data(), bytes.size(), text.data(), text.size(), nullptr, &decoded, &end,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        end != text.data() + text.size()) {
        return std::nullopt;
    }
    bytes.resize(decoded);
    return bytes;
}

}  // namespace camstream
