// Revoked tickets: see revoked_tickets.hpp.
#include "access/revoked_tickets.hpp"

#include "access/line_file.hpp"
#include "access/ticket.hpp"

#include <filesystem>

namespace camstream {

std::optional<RevokedTickets> RevokedTickets::load(const std::string& path, std::string& error) {
    if (!std::filesystem::exists(path)) return RevokedTickets{};
    const auto text = read_text_file(path);
    if (!text) {
        error = path + ": cannot read the revoked tickets file (access.revoked_file)";
        return std::nullopt;
    }
    return parse(*text, path, error);
}

std::optional<RevokedTickets> RevokedTickets::parse(std::string_view text, const std::string& path,
                                                    std::string& error) {
    RevokedTickets revoked;
    // Words after the id are the operator's note (why, when): ignored.
    const bool ok = for_each_entry(text, [&](int line_number, const std::vector<std::string_view>& fields) {
        if (!valid_ticket_id(fields[0])) {
            error = path + ":" + std::to_string(line_number) + ": not a ticket id (1 to 64 of A-Z a-z 0-9 . _ : -)";
            return false;
        }
        revoked.ids_.emplace(fields[0]);
        return true;
    });
    if (!ok) return std::nullopt;
    return revoked;
}

}  // namespace camstream
