// RevokedTickets: the ids of tickets the camera no longer accepts
// (access.revoked_file, one id a line), read at start and on every reload.
// Revoking is how a refund or a leaked ticket is dealt with before it expires.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace camstream {

class RevokedTickets {
public:
    // A missing file revokes nothing; a line that is no ticket id is an error "FILE:LINE: what".
    static std::optional<RevokedTickets> load(const std::string& path, std::string& error);
    static std::optional<RevokedTickets> parse(std::string_view text, const std::string& path, std::string& error);
    bool contains(std::string_view id) const { return ids_.find(id) != ids_.end(); }
    std::size_t size() const { return ids_.size(); }

private:
    std::set<std::string, std::less<>> ids_;
};

}  // namespace camstream
