// camview as a subprocess (see camview_process.hpp).
#include "support/camview_process.hpp"

#include <cctype>

#ifndef CAMVIEW_PATH
#error "CAMVIEW_PATH must name the camview binary under test"
#endif

namespace camstream::test {

namespace {

std::vector<std::string> camview_argv(const std::vector<std::string>& args) {
    std::vector<std::string> argv{CAMVIEW_PATH};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
}

std::size_t skip_space(std::string_view text, std::size_t at) {
    while (at < text.size() && std::isspace(static_cast<unsigned char>(text[at])) != 0) ++at;
    return at;
}

}  // namespace

ProcessResult run_camview(const std::vector<std::string>& args, Duration timeout,
                          const std::vector<std::string>& extra_env) {
    return run_process(camview_argv(args), timeout, extra_env);
}

std::unique_ptr<ChildProcess> start_camview(const std::vector<std::string>& args,
                                            const std::filesystem::path& log_path,
                                            const std::vector<std::string>& extra_env) {
    return std::make_unique<ChildProcess>(camview_argv(args), log_path, log_path, extra_env);
}

bool looks_like_json_object(std::string_view line) {
    const auto begin = skip_space(line, 0);
    auto end = line.size();
    while (end > begin && std::isspace(static_cast<unsigned char>(line[end - 1])) != 0) --end;
    return end - begin >= 2 && line[begin] == '{' && line[end - 1] == '}';
}

std::optional<std::string> json_field(std::string_view line, std::string_view key) {
    const std::string quoted = "\"" + std::string(key) + "\"";
    for (auto at = line.find(quoted); at != std::string_view::npos;
         at = line.find(quoted, at + 1)) {
        auto pos = skip_space(line, at + quoted.size());
        if (pos >= line.size() || line[pos] != ':') continue;  // a value equal to the key
        pos = skip_space(line, pos + 1);
        if (pos >= line.size()) return std::nullopt;
        if (line[pos] == '"') {
            std::string value;
            for (++pos; pos < line.size() && line[pos] != '"'; ++pos) {
                if (line[pos] == '\\' && pos + 1 < line.size()) ++pos;
                value += line[pos];
            }
            if (pos >= line.size()) return std::nullopt;
            return value;
        }
        const auto end = line.find_first_of(",}", pos);
        if (end == std::string_view::npos) return std::nullopt;
        auto value = std::string(line.substr(pos, end - pos));
        while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back())) != 0) {
            value.pop_back();
        }
        return value;
    }
    return std::nullopt;
}

}  // namespace camstream::test
