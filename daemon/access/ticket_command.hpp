// `camstreamd ticket keygen|mint|inspect|revoke`: the operator's side of
// tickets. keygen and mint use the private key, which the daemon never reads;
// a web shop may mint with any JWT library instead (docs/ACCESS.md).
#pragma once

#include <ostream>
#include <string>

namespace camstream {

struct TicketCommand {
    std::string action;  // keygen, mint, inspect, revoke
    // keygen
    std::string private_file, public_file, kid;
    // mint (kid too)
    std::string key_file, subject, plan = "pass", valid_from, expires, id, audience;
    int minutes = 0, max_streams = 1, max_fps = 0;
    // inspect (a ticket or @FILE), revoke (an id)
    std::string ticket, keys_file;
    std::string revoked_file;
};

// Returns the process's exit status: 0 done (inspect: and valid), 1 refused or invalid (the reason on err).
int run_ticket_command(const TicketCommand& command, std::ostream& out, std::ostream& err);

}  // namespace camstream
