// The access commands on camstreamd's command line (token, ticket, usage):
// their options, and the files they default to, which are the configuration's.
#pragma once

#include "access/ticket_command.hpp"
#include "access/token_command.hpp"
#include "access/usage_command.hpp"

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

namespace camstream {

class AccessCommands {
public:
    // Adds the subcommands to `app`.
    explicit AccessCommands(CLI::App& app);
    // After parsing: when one of them was given, runs it and returns its exit status.
    std::optional<int> run(const std::string& config_path, const std::vector<std::string>& overrides);

private:
    CLI::App* token_app_;
    CLI::App* ticket_app_;
    CLI::App* revoke_app_;
    CLI::App* usage_app_;
    TokenCommand token_;
    TicketCommand ticket_;
    UsageCommand usage_;
};

}  // namespace camstream
