// `camstreamd token add|remove|list`: the tokens file's editor, so that nobody
// has to hash a token by hand. A new token is printed once and never stored.
#pragma once

#include <ostream>
#include <string>

namespace camstream {

struct TokenCommand {
    std::string action;  // add, remove, list
    std::string name;
    std::string tokens_file;
    int max_fps = 0;
    int max_streams = 0;
};

// Returns the process's exit status: 0 done, 1 refused (the reason on err).
int run_token_command(const TokenCommand& command, std::ostream& out, std::ostream& err);

}  // namespace camstream
