// The token command: see token_command.hpp.
#include "access/token_command.hpp"

#include "access/line_file.hpp"
#include "access/token_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace camstream {
namespace {

// The file holds hashes only, so anyone may read it (the service's dynamic
// user among them); only its owner may change it.
constexpr mode_t kTokensFileMode = 0644;

std::optional<TokenStore> existing(const std::string& path, std::ostream& err) {
    if (!std::filesystem::exists(path)) return TokenStore{};
    std::string error;
    auto store = TokenStore::load(path, error);
    if (!store) err << "camstreamd token: " << error << "\n";
    return store;
}

bool append_line(const std::string& path, const std::string& line, std::ostream& err) {
    std::string error;
    if (camstream::append_line(path, line, kTokensFileMode, error)) return true;
    err << "camstreamd token: " << error << "\n";
    return false;
}

int add(const TokenCommand& command, std::ostream& out, std::ostream& err) {
    if (!valid_token_name(command.name)) {
        err << "camstreamd token add: the name must be 1 to 64 of A-Z a-z 0-9 . _ -\n";
        return 1;
    }
    if (command.max_fps < 0 || command.max_fps > 1000 || command.max_streams < 0 || command.max_streams > 100000) {
        err << "camstreamd token add: --max-fps must be 0 to 1000 and --max-streams 0 to 100000\n";
        return 1;
    }
    const auto store = existing(command.tokens_file, err);
    if (!store) return 1;
    if (store->find_name(command.name) != nullptr) {
        err << "camstreamd token add: '" << command.name << "' is already in " << command.tokens_file
            << "; remove it first to give it a new token\n";
        return 1;
    }
    const auto token = new_token();
    TokenEntry entry{.name = command.name,
                     .hash = hash_token(token),
                     .max_fps = static_cast<std::uint16_t>(command.max_fps),
                     .max_streams = command.max_streams};
    if (!append_line(command.tokens_file, format_entry(entry), err)) return 1;
    out << token << "\n";
    err << "camstreamd token: added '" << command.name << "' to " << command.tokens_file
        << ". The token above is shown this once; camstreamd keeps only its hash. A running camstreamd takes it "
           "on its next reload (systemctl reload camstreamd).\n";
    return 0;
}

int remove(const TokenCommand& command, std::ostream& err) {
    const auto store = existing(command.tokens_file, err);
    if (!store) return 1;
    if (store->find_name(command.name) == nullptr) {
        err << "camstreamd token remove: no '" << command.name << "' in " << command.tokens_file << "\n";
        return 1;
    }
    std::ifstream in(command.tokens_file);
    std::ostringstream kept;
    for (std::string line; std::getline(in, line);) {
        std::istringstream words(line);
        std::string first;
        words >> first;
        if (first != command.name) kept << line << "\n";
    }
    // Written beside it and renamed over it: a crash leaves the old file or the new, never half of one.
    const auto temporary = command.tokens_file + ".new";
    {
        const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, kTokensFileMode);
        const auto text = kept.str();
        const bool ok = fd >= 0 && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                        ::fsync(fd) == 0;
        if (fd >= 0) ::close(fd);
        if (!ok || std::rename(temporary.c_str(), command.tokens_file.c_str()) != 0) {
            err << "camstreamd token remove: cannot rewrite " << command.tokens_file << ": " << std::strerror(errno)
                << "\n";
            ::unlink(temporary.c_str());
            return 1;
        }
    }
    err << "camstreamd token: removed '" << command.name << "'; a running camstreamd ends its viewers on its next "
           "reload (systemctl reload camstreamd).\n";
    return 0;
}

int list(const TokenCommand& command, std::ostream& out, std::ostream& err) {
    std::string error;
    const auto store = TokenStore::load(command.tokens_file, error);
    if (!store) {
        err << "camstreamd token list: " << error << "\n";
        return 1;
    }
    for (const auto& entry : store->entries()) {
        out << entry.name;
        if (entry.max_fps > 0) out << " max_fps=" << entry.max_fps;
        if (entry.max_streams > 0) out << " max_streams=" << entry.max_streams;
        out << "\n";
    }
    return 0;
}

}  // namespace

int run_token_command(const TokenCommand& command, std::ostream& out, std::ostream& err) {
    if (command.action == "add") return add(command, out, err);
    if (command.action == "remove") return remove(command, err);
    return list(command, out, err);
}

}  // namespace camstream
