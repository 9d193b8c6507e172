// The access commands: see access_cli.hpp.
#include "access/access_cli.hpp"

#include "config/config.hpp"

#include <filesystem>
#include <iostream>

namespace camstream {
namespace {

// The access settings of the configuration when there is one; else the defaults.
std::optional<AccessSettings> configured_access(const std::string& config_path,
                                                const std::vector<std::string>& overrides) {
    if (!std::filesystem::exists(config_path) && overrides.empty()) return Settings{}.access;
    auto loaded = load_config_file(config_path, overrides);
    if (!loaded.ok()) {
        for (const auto& message : loaded.errors) std::cerr << message << "\n";
        return std::nullopt;
    }
    return loaded.settings.access;
}

}  // namespace

AccessCommands::AccessCommands(CLI::App& app) {
    token_app_ = app.add_subcommand("token", "manage the tokens of access.mode tokens (see docs/ACCESS.md)");
    token_app_->require_subcommand(1);
    auto* token_add = token_app_->add_subcommand("add", "make a token for NAME, print it once, store its hash");
    token_add->add_option("name", token_.name, "the viewer's name")->required();
    token_add->add_option("--max-fps", token_.max_fps, "cap this token's streams at N frames a second (0: no cap)");
    token_add->add_option("--max-streams", token_.max_streams, "streams this token may have at once (0: no limit)");
    auto* token_remove = token_app_->add_subcommand("remove", "remove NAME's token");
    token_remove->add_option("name", token_.name, "the viewer's name")->required();
    auto* token_list = token_app_->add_subcommand("list", "list the names and their limits (never the hashes)");
    // --tokens-file belongs to `token` but may follow add/remove/list.
    for (auto* action : {token_add, token_remove, token_list}) action->fallthrough();
    token_app_->add_option("--tokens-file", token_.tokens_file,
                           "the tokens file (default: access.tokens_file of the configuration)");

    ticket_app_ = app.add_subcommand("ticket", "make keys, mint, inspect and revoke tickets (see docs/ACCESS.md)");
    ticket_app_->require_subcommand(1);
    auto* keygen = ticket_app_->add_subcommand("keygen", "make an Ed25519 key pair for minting tickets");
    keygen->add_option("--private", ticket_.private_file, "the private key to create (PEM, mode 0600)")->required();
    keygen->add_option("--public", ticket_.public_file, "the keys file to add the public key to")->required();
    keygen->add_option("--kid", ticket_.kid, "the key's id (default: key-YYYYMMDD)");
    auto* mint = ticket_app_->add_subcommand("mint", "sign a ticket and print it");
    mint->add_option("--key", ticket_.key_file, "the private key (PEM)")->required();
    mint->add_option("--kid", ticket_.kid, "the key's id (default: the one keygen wrote in the key file)");
    mint->add_option("--subject", ticket_.subject, "who the ticket is for (the paying viewer)")->required();
    mint->add_option("--plan", ticket_.plan, "pass (watch freely until it expires) or minutes (a budget)")
        ->check(CLI::IsMember({"pass", "minutes"}));
    mint->add_option("--minutes", ticket_.minutes, "the watch-time budget of --plan minutes");
    mint->add_option("--valid-from", ticket_.valid_from, "when it starts (default: at once); TIME as --expires");
    mint->add_option("--expires", ticket_.expires,
                     "when it ends: 2026-11-27T10:00:00Z, 2026-11-27, @UNIX_SECONDS, +30m, +2h, +7d")
        ->required();
    mint->add_option("--max-streams", ticket_.max_streams, "streams at once with this ticket (0: no limit)")
        ->capture_default_str();
    mint->add_option("--max-fps", ticket_.max_fps, "cap its streams at N frames a second (0: no cap)");
    mint->add_option("--id", ticket_.id, "the ticket id (default: 16 random hex digits)");
    mint->add_option("--audience", ticket_.audience, "the camera it is for (access.ticket_audience)");
    auto* inspect = ticket_app_->add_subcommand("inspect", "show a ticket's header and claims; check it with --keys");
    inspect->add_option("ticket", ticket_.ticket, "the ticket, or @FILE")->required();
    inspect->add_option("--keys", ticket_.keys_file, "a keys file to verify the signature and times against");
    revoke_app_ = ticket_app_->add_subcommand("revoke", "add a ticket id to the revoked tickets file");
    revoke_app_->add_option("id", ticket_.ticket, "the ticket's id (jti)")->required();
    revoke_app_->add_option("--revoked-file", ticket_.revoked_file,
                       "the revoked tickets file (default: access.revoked_file of the configuration)");

    usage_app_ = app.add_subcommand("usage", "print the watch-time ledger: totals per subject and ticket, and sessions");
    usage_app_->add_option("--ledger", usage_.ledger, "the ledger (default: access.ledger of the configuration)");
    usage_app_->add_option("--since", usage_.since, "sessions that ended at or after TIME (e.g. -7d, 2026-11-01)");
    usage_app_->add_option("--until", usage_.until, "sessions that started before TIME");
    usage_app_->add_option("--subject", usage_.subject, "one viewer (ticket subject, token name or address)");
    usage_app_->add_option("--format", usage_.format, "json (every table) or csv (the table --by names)")
        ->check(CLI::IsMember({"json", "csv"}))
        ->capture_default_str();
    usage_app_->add_option("--by", usage_.by, "with csv: session, ticket or subject")
        ->check(CLI::IsMember({"session", "ticket", "subject"}))
        ->capture_default_str();
}

std::optional<int> AccessCommands::run(const std::string& config_path, const std::vector<std::string>& overrides) {
    if (!token_app_->parsed() && !ticket_app_->parsed() && !usage_app_->parsed()) return std::nullopt;
    const bool needs_config = (token_app_->parsed() && token_.tokens_file.empty()) ||
                              (revoke_app_->parsed() && ticket_.revoked_file.empty()) ||
                              (usage_app_->parsed() && usage_.ledger.empty());
    std::optional<AccessSettings> access = AccessSettings{};
    if (needs_config) access = configured_access(config_path, overrides);
    if (!access) return 1;
    if (token_app_->parsed()) {
        token_.action = token_app_->get_subcommands().front()->get_name();
        if (token_.tokens_file.empty()) token_.tokens_file = access->tokens_file;
        return run_token_command(token_, std::cout, std::cerr);
    }
    if (ticket_app_->parsed()) {
        ticket_.action = ticket_app_->get_subcommands().front()->get_name();
        if (ticket_.revoked_file.empty()) ticket_.revoked_file = access->revoked_file;
        return run_ticket_command(ticket_, std::cout, std::cerr);
    }
    if (usage_.ledger.empty()) usage_.ledger = access->ledger;
    return run_usage_command(usage_, std::cout, std::cerr);
}

}  // namespace camstream
