// The ticket command: see ticket_command.hpp.
#include "access/ticket_command.hpp"

#include "access/line_file.hpp"
#include "access/ticket.hpp"
#include "access/time_text.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

namespace camstream {
namespace {

// Public keys and revoked ids are no secret: the service's own user reads them.
constexpr mode_t kPublicFileMode = 0644;
constexpr mode_t kPrivateKeyMode = 0600;

std::int64_t now_seconds() { return static_cast<std::int64_t>(std::time(nullptr)); }

// TEXT, or the contents of FILE for "@FILE" (trailing blanks and newlines dropped).
std::optional<std::string> text_or_file(const std::string& text, std::ostream& err) {
    if (text.empty() || text.front() != '@') return text;
    auto contents = read_text_file(text.substr(1));
    if (!contents) {
        err << "camstreamd ticket: cannot read " << text.substr(1) << "\n";
        return std::nullopt;
    }
    while (!contents->empty() && std::isspace(static_cast<unsigned char>(contents->back()))) contents->pop_back();
    return contents;
}

int keygen(const TicketCommand& command, std::ostream& out, std::ostream& err) {
    auto id = command.kid;
    if (id.empty()) {
        char date[16];
        const auto now = std::time(nullptr);
        std::tm parts{};
        gmtime_r(&now, &parts);
        std::strftime(date, sizeof date, "%Y%m%d", &parts);
        id = std::string("key-") + date;
    }
    if (command.private_file.empty() || command.public_file.empty()) {
        err << "camstreamd ticket keygen: --private FILE and --public FILE are required\n";
        return 1;
    }
    const auto key = new_signing_key(id);
    // O_EXCL: an existing key is never overwritten (its tickets would all stop verifying).
    const int fd = ::open(command.private_file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, kPrivateKeyMode);
    if (fd < 0) {
        err << "camstreamd ticket keygen: cannot create " << command.private_file << ": " << std::strerror(errno)
            << (errno == EEXIST ? " (a key is never overwritten)" : "") << "\n";
        return 1;
    }
    auto pem = format_private_pem(key);
    const bool written = ::fchmod(fd, kPrivateKeyMode) == 0 &&
                         ::write(fd, pem.data(), pem.size()) == static_cast<ssize_t>(pem.size()) && ::fsync(fd) == 0;
    sodium_memzero(pem.data(), pem.size());
    if (::close(fd) != 0 || !written) {
        err << "camstreamd ticket keygen: writing " << command.private_file << " failed\n";
        ::unlink(command.private_file.c_str());
        return 1;
    }
    std::string error;
    const auto line = format_key_line(key.public_key);
    if (!append_line(command.public_file, line, kPublicFileMode, error)) {
        err << "camstreamd ticket keygen: " << error << "\n";
        return 1;
    }
    out << line << "\n";
    err << "camstreamd ticket: private key in " << command.private_file << " (mode 0600: keep it off the camera), "
        << "public key '" << id << "' added to " << command.public_file
        << ". The camera trusts it once access.ticket_keys_file names that file and it reloads.\n";
    return 0;
}

std::optional<std::int64_t> time_option(const std::string& text, const char* option, std::ostream& err) {
    const auto parsed = parse_time(text, now_seconds());
    if (!parsed) {
        err << "camstreamd ticket mint: " << option << " '" << text
            << "' is not a time (2026-11-27T10:00:00Z, 2026-11-27, @UNIX_SECONDS, +30m, +2h, +7d)\n";
    }
    return parsed;
}

int mint(const TicketCommand& command, std::ostream& out, std::ostream& err) {
    const auto pem = read_text_file(command.key_file);
    if (!pem) {
        err << "camstreamd ticket mint: cannot read the private key " << command.key_file << "\n";
        return 1;
    }
    std::string error;
    auto key = parse_private_pem(*pem, error);
    if (!key) {
        err << "camstreamd ticket mint: " << command.key_file << ": " << error << "\n";
        return 1;
    }
    Ticket ticket;
    ticket.subject = command.subject;
    ticket.max_streams = command.max_streams;
    ticket.max_fps = command.max_fps;
    if (!command.audience.empty()) ticket.audience.push_back(command.audience);
    if (command.id.empty()) {
        std::array<std::uint8_t, 8> random{};
        randombytes_buf(random.data(), random.size());
        static constexpr char kHex[] = "0123456789abcdef";
        for (const auto byte : random) ticket.id += {kHex[byte >> 4], kHex[byte & 15]};
    } else {
        ticket.id = command.id;
    }
    if (!valid_ticket_id(ticket.id)) {
        err << "camstreamd ticket mint: --id must be 1 to 64 of A-Z a-z 0-9 . _ : -\n";
        return 1;
    }
    if (command.plan == "minutes") {
        ticket.plan = Ticket::Plan::minutes;
        ticket.minutes = command.minutes;
        if (ticket.minutes < 1) {
            err << "camstreamd ticket mint: --plan minutes needs --minutes N (1 or more)\n";
            return 1;
        }
    } else if (command.plan != "pass") {
        err << "camstreamd ticket mint: --plan must be pass or minutes\n";
        return 1;
    }
    const auto expires = time_option(command.expires, "--expires", err);
    if (!expires) return 1;
    ticket.expires = *expires;
    if (!command.valid_from.empty()) {
        const auto from = time_option(command.valid_from, "--valid-from", err);
        if (!from) return 1;
        ticket.not_before = *from;
    }
    if (ticket.expires <= std::max(ticket.not_before, now_seconds())) {
        err << "camstreamd ticket mint: --expires must be later than now and than --valid-from\n";
        return 1;
    }
    const auto kid = command.kid.empty() ? key->id : command.kid;
    auto minted = mint_ticket(ticket, *key, kid);
    // What a shop's own minting would check: the ticket reads back as written.
    if (minted.size() > kMaxTicketBytes || !decode_ticket(minted).ticket) {
        err << "camstreamd ticket mint: the ticket is longer than " << kMaxTicketBytes
            << " bytes; shorten --subject, --id or --audience\n";
        return 1;
    }
    out << minted << "\n";
    err << "camstreamd ticket: minted ticket '" << ticket.id << "' for '" << ticket.subject << "', valid until "
        << iso_time(static_cast<double>(ticket.expires)) << "\n";
    return 0;
}

int inspect(const TicketCommand& command, std::ostream& out, std::ostream& err) {
    const auto text = text_or_file(command.ticket, err);
    if (!text) return 1;
    const auto decoded = decode_ticket(*text);
    if (!decoded.header_json.empty()) {
        out << "header: " << decoded.header_json << "\nclaims: " << decoded.claims_json << "\n";
    }
    if (!decoded.ticket) {
        err << "camstreamd ticket inspect: " << decoded.error << "\n";
        return 1;
    }
    const auto& ticket = *decoded.ticket;
    out << "id: " << ticket.id << "\nsubject: " << ticket.subject
        << "\nplan: " << (ticket.plan == Ticket::Plan::pass ? "pass" : std::to_string(ticket.minutes) + " minutes")
        << "\nvalid from: " << (ticket.not_before > 0 ? iso_time(static_cast<double>(ticket.not_before)) : "(no nbf: at once)")
        << "\nexpires: " << iso_time(static_cast<double>(ticket.expires)) << "\n";
    if (command.keys_file.empty()) return 0;
    std::string error;
    const auto keys = TicketKeys::load(command.keys_file, error);
    if (!keys) {
        err << "camstreamd ticket inspect: " << error << "\n";
        return 1;
    }
    // inspect does not know which camera will see the ticket: its own audience passes.
    const auto audience = ticket.audience.empty() ? std::string() : ticket.audience.front();
    const auto verified = verify_ticket(*text, *keys, TicketRules{.now = now_seconds(), .leeway = 0, .audience = audience});
    if (!verified.ticket) {
        out << "valid: no (" << verified.error << ")\n";
        return 1;
    }
    out << "valid: yes (signed by key '" << verified.ticket->key_id << "')\n";
    return 0;
}

int revoke(const TicketCommand& command, std::ostream& err) {
    if (!valid_ticket_id(command.ticket)) {
        err << "camstreamd ticket revoke: '" << command.ticket << "' is not a ticket id\n";
        return 1;
    }
    std::string error;
    const auto now = static_cast<double>(now_seconds());
    if (!append_line(command.revoked_file, command.ticket + "  # revoked " + iso_time(now), kPublicFileMode, error)) {
        err << "camstreamd ticket revoke: " << error << "\n";
        return 1;
    }
    err << "camstreamd ticket: '" << command.ticket << "' revoked in " << command.revoked_file
        << "; a running camstreamd ends its viewers on its next reload (systemctl reload camstreamd).\n";
    return 0;
}

}  // namespace

int run_ticket_command(const TicketCommand& command, std::ostream& out, std::ostream& err) {
    init_sodium();
    if (command.action == "keygen") return keygen(command, out, err);
    if (command.action == "mint") return mint(command, out, err);
    if (command.action == "inspect") return inspect(command, out, err);
    return revoke(command, err);
}

}  // namespace camstream
