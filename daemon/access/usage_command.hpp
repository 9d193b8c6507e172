// `camstreamd usage`: the ledger for billing and audit: totals per subject
// and per ticket, and every session, as JSON or CSV. It reads the database
// while the daemon writes it (WAL lets both), so it may run at any time.
#pragma once

#include <ostream>
#include <string>

namespace camstream {

struct UsageCommand {
    std::string ledger;
    std::string since, until, subject;
    std::string format = "json";  // json, csv
    std::string by = "session";   // csv: session, ticket, subject
};

int run_usage_command(const UsageCommand& command, std::ostream& out, std::ostream& err);

}  // namespace camstream
