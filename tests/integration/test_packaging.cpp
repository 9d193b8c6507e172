// Integration: what an operator installs. The unit's sandbox as systemd rates it,
// `cmake --install` into a staging root (an edited config survives a reinstall),
// and the Debian package built by cpack: files, conffile, dependencies, what its
// scripts do, the layout it unpacks to (stripped binaries with their symbols in
// the -dbgsym package, manual pages, copyright, changelog), and lintian's verdict.
#include "support/child_process.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <set>
#include <sstream>

using namespace camstream::test;
using namespace std::chrono_literals;

namespace {

const std::string kSourceDir = CAMSTREAM_SOURCE_DIR;
const std::string kBinaryDir = CAMSTREAM_BINARY_DIR;

bool contains(const std::string& text, std::string_view needle) { return text.find(needle) != std::string::npos; }

// Plain scanning rather than <regex>: GCC 12's -Wmaybe-uninitialized fires
// inside libstdc++'s regex under the sanitizer build's -Werror.

// The hex digits after "BuildID[sha1]=" in `file`'s description; empty when none.
std::string build_id_of(const std::string& described) {
    const std::string_view label = "BuildID[sha1]=";
    const auto at = described.find(label);
    if (at == std::string::npos) return {};
    const auto from = at + label.size();
    const auto end = described.find_first_not_of("0123456789abcdef", from);
    return described.substr(from, end == std::string::npos ? std::string::npos : end - from);
}

// Every "--name" in a --help text that starts a word (after a blank, a comma or a line start).
std::set<std::string> long_options_in(const std::string& help) {
    std::set<std::string> found;
    for (auto at = help.find("--"); at != std::string::npos; at = help.find("--", at + 2)) {
        const bool starts_word = at == 0 || help[at - 1] == ' ' || help[at - 1] == ',' || help[at - 1] == '\n';
        if (!starts_word || at + 2 >= help.size() || help[at + 2] < 'a' || help[at + 2] > 'z') continue;
        const auto end = help.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-", at + 2);
        found.insert(help.substr(at, end == std::string::npos ? std::string::npos : end - at));
    }
    return found;
}

// The [a-z_]+ name that a YAML line holds after exactly `indent` spaces,
// followed by ':'; empty when the line is not that.
std::string yaml_name(const std::string& line, std::size_t indent) {
    if (line.size() <= indent || line.find_first_not_of(' ') != indent) return {};
    const auto end = line.find_first_not_of("abcdefghijklmnopqrstuvwxyz_", indent);
    if (end == indent || end == std::string::npos || line[end] != ':') return {};
    return line.substr(indent, end - indent);
}

// What `cpack -G DEB` made in `out`: the package and its debug symbols package.
struct BuiltPackage {
    std::filesystem::path deb;
    std::filesystem::path ddeb;
};

BuiltPackage build_package(const TempDir& out) {
    auto build = run_process({CPACK_COMMAND, "-G", "DEB", "--config", kBinaryDir + "/CPackConfig.cmake", "-B",
                              out.path().string()},
                             300s);
    INFO(build.stdout_text << build.stderr_text);
    REQUIRE(build.status.exited_with(0));
    BuiltPackage built;
    for (const auto& entry : std::filesystem::directory_iterator(out.path())) {
        if (entry.path().extension() == ".deb") built.deb = entry.path();
        if (entry.path().extension() == ".ddeb") built.ddeb = entry.path();
    }
    REQUIRE_FALSE(built.deb.empty());
    return built;
}

// The page as man(1) shows it, 80 columns wide, without formatting.
std::string manual_page_shown(const std::filesystem::path& page) {
    const auto shown = run_process({"/usr/bin/man", "-l", page.string()}, 60s, {"MANWIDTH=80", "LC_ALL=C.UTF-8"});
    INFO(page << ": " << shown.stderr_text);
    CHECK(shown.status.exited_with(0));
    return shown.stdout_text;
}

// The page's roff source without its backslashes, so that "\-\-config" reads
// "--config" wherever man would break or hyphenate the line.
std::string manual_page_words(const std::filesystem::path& page) {
    auto source = run_process({"/bin/gzip", "-dc", page.string()}, 60s).stdout_text;
    std::erase(source, '\\');
    return source;
}

// A program that appends its name and arguments to LOG, standing in for
// deb-systemd-helper and friends when a maintainer script runs here. It
// answers as they do on a first install: no unit was installed or enabled before.
void write_recording_stub(const std::filesystem::path& path, const std::filesystem::path& log) {
    std::ofstream(path) << "#!/bin/sh\necho \"$(basename \"$0\") $*\" >>'" << log.string() << "'\n"
                        << "case \"$*\" in *debian-installed* | *was-enabled*) exit 1 ;; esac\n";
    std::filesystem::permissions(path, std::filesystem::perms::owner_all);
}

}  // namespace

TEST_CASE("units: systemd-analyze rates the service's exposure 2.0 or lower") {
    const auto result = run_process(
        {"/usr/bin/systemd-analyze", "security", "--offline=yes", "--no-pager", kSourceDir + "/systemd/camstreamd.service"},
        60s);
    INFO(result.stdout_text << result.stderr_text);
    const std::string_view label = "Overall exposure level for camstreamd.service: ";
    const auto all = result.stdout_text + result.stderr_text;
    const auto at = all.find(label);
    REQUIRE(at != std::string::npos);
    const double exposure = std::stod(all.substr(at + label.size(), 4));
    CAPTURE(exposure);
    CHECK(exposure <= 2.0);
}

TEST_CASE("install: cmake --install lays out binaries, units and config, and keeps an edited config") {
    TempDir root("install");
    const std::vector<std::string> env{"DESTDIR=" + root.path().string()};
    const std::vector<std::string> install{CMAKE_COMMAND, "--install", kBinaryDir, "--prefix", "/usr"};
    auto first = run_process(install, 120s, env);
    INFO(first.stdout_text << first.stderr_text);
    REQUIRE(first.status.exited_with(0));
    const auto& base = root.path();
    CHECK(std::filesystem::exists(base / "usr/bin/camstreamd"));
    CHECK(std::filesystem::exists(base / "usr/bin/camview"));
    CHECK(std::filesystem::exists(base / ("usr/" CAMSTREAM_INSTALL_LIBDIR "/camstream/camstream_video_source.so")));
    for (const std::string page : {"man1/camview.1.gz", "man5/camstreamd.yaml.5.gz", "man8/camstreamd.8.gz"}) {
        CAPTURE(page);
        CHECK(std::filesystem::exists(base / "usr/share/man" / page));
    }
    CHECK(std::filesystem::exists(base / "usr/share/doc/camstream/copyright"));
    const auto unit = read_file(base / "usr/lib/systemd/system/camstreamd.service");
    CHECK(contains(unit, "ExecStart=/usr/bin/camstreamd --config /etc/camstream/camstreamd.yaml"));
    CHECK(std::filesystem::exists(base / "usr/lib/systemd/system/camstreamd.socket"));
    const auto config = base / "etc/camstream/camstreamd.yaml";
    REQUIRE(std::filesystem::exists(config));

    std::ofstream(config, std::ios::app) << "# edited by the operator\n";
    auto second = run_process(install, 120s, env);
    INFO(second.stdout_text);
    REQUIRE(second.status.exited_with(0));
    CHECK(contains(read_file(config), "# edited by the operator"));
    CHECK(contains(second.stdout_text, "Keeping the existing"));
}

TEST_CASE("package: cpack builds a .deb with the files, conffile, dependencies and quiet scripts") {
    TempDir out("deb");
    const auto deb = build_package(out).deb;

    const auto contents = run_process({"/usr/bin/dpkg-deb", "--contents", deb.string()}, 60s).stdout_text;
    for (const std::string path : {"./usr/bin/camstreamd", "./usr/bin/camview", "./usr/lib/systemd/system/camstreamd.service",
                             "./usr/lib/systemd/system/camstreamd.socket", "./etc/camstream/camstreamd.yaml"}) {
        CAPTURE(path);
        CHECK(contains(contents, path));
    }
    const auto depends = run_process({"/usr/bin/dpkg-deb", "--field", deb.string(), "Depends"}, 60s).stdout_text;
    INFO("Depends: " << depends);
    for (const std::string library : {"libuv1", "libyaml-cpp0.7", "libopencv-core406", "libsystemd0", "libturbojpeg0"}) {
        CAPTURE(library);
        CHECK(contains(depends, library));
    }
    TempDir control("control");
    REQUIRE(run_process({"/usr/bin/dpkg-deb", "--control", deb.string(), control.path().string()}, 60s).status.exited_with(0));
    CHECK(contains(read_file(control.path() / "conffiles"), "/etc/camstream/camstreamd.yaml"));
    CHECK(contains(read_file(control.path() / "postinst"), "daemon-reload"));

    // Installing must not start or enable the service: the operator configures
    // it first. Run the postinst of a first install with deb-systemd-helper,
    // deb-systemd-invoke and systemctl replaced by stubs that record their calls.
    TempDir stubs("stubs");
    const auto log = stubs.path() / "calls.log";
    for (const char* tool : {"deb-systemd-helper", "deb-systemd-invoke", "systemctl"}) {
        write_recording_stub(stubs.path() / tool, log);
    }
    const auto path = "PATH=" + stubs.path().string() + ":/usr/bin:/bin";
    const auto postinst = run_process({"/bin/sh", (control.path() / "postinst").string(), "configure"}, 60s, {path});
    INFO(postinst.stdout_text << postinst.stderr_text);
    REQUIRE(postinst.status.exited_with(0));
    const auto calls = std::filesystem::exists(log) ? read_file(log) : std::string();
    INFO("calls:\n" << calls);
    // A first install only records the (absent) enablement, so that purge can clean up.
    CHECK(contains(calls, "deb-systemd-helper update-state camstreamd.service"));
    for (const std::string action : {"helper enable", "invoke start", "invoke restart", "systemctl start", "systemctl enable",
                               "--now"}) {
        CAPTURE(action);
        CHECK_FALSE(contains(calls, action));
    }
}

TEST_CASE("package: unpacked, it has stripped binaries, manual pages, copyright and changelog, and lintian passes it") {
    TempDir out("deb");
    const auto built = build_package(out);
    TempDir root("root");
    REQUIRE(run_process({"/usr/bin/dpkg-deb", "-x", built.deb.string(), root.path().string()}, 60s).status.exited_with(0));
    const auto& base = root.path();

    {  // binaries and modules are stripped; their symbols are in the -dbgsym package, by build id
        CHECK_FALSE(built.ddeb.empty());
        const auto debug_files = run_process({"/usr/bin/dpkg-deb", "--contents", built.ddeb.string()}, 60s).stdout_text;
        std::vector<std::filesystem::path> elf_files = {base / "usr/bin/camstreamd", base / "usr/bin/camview"};
        for (const auto& entry : std::filesystem::directory_iterator(base / "usr/lib/camstream")) {
            elf_files.push_back(entry.path());
        }
        CHECK(elf_files.size() == 4);  // camstreamd, camview and the two source modules
        for (const auto& elf : elf_files) {
            const auto described = run_process({"/usr/bin/file", "-b", elf.string()}, 60s).stdout_text;
            CAPTURE(elf);
            CAPTURE(described);
            CHECK(contains(described, "ELF"));
            CHECK(contains(described, ", stripped"));
            const auto id = build_id_of(described);
            if (id.size() < 3) {
                FAIL_CHECK("no build id");
                continue;
            }
            const auto debug_file = "./usr/lib/debug/.build-id/" + id.substr(0, 2) + "/" + id.substr(2) + ".debug";
            CHECK(contains(debug_files, debug_file));
        }
    }

    {  // manual pages: gzipped, each with its NAME, and naming every option and configuration key
        const auto man = base / "usr/share/man";
        CHECK(contains(manual_page_shown(man / "man8/camstreamd.8.gz"), "NAME\n       camstreamd - "));
        CHECK(contains(manual_page_shown(man / "man1/camview.1.gz"), "NAME\n       camview - "));
        CHECK(contains(manual_page_shown(man / "man5/camstreamd.yaml.5.gz"), "NAME\n       camstreamd.yaml - "));
        const auto daemon_page = manual_page_words(man / "man8/camstreamd.8.gz");
        const auto viewer_page = manual_page_words(man / "man1/camview.1.gz");
        const auto config_page = manual_page_words(man / "man5/camstreamd.yaml.5.gz");

        // The pages are made from --help and the schema; check them against
        // what the programs say now. Every option of every command's --help:
        const auto options_of = [&](std::vector<std::string> argv) {
            argv.push_back("--help");
            const auto help = run_process(argv, 60s);
            INFO(argv[0] << " --help: " << help.status.describe() << ": " << help.stderr_text);
            REQUIRE(help.status.exited_with(0));
            return long_options_in(help.stdout_text);
        };
        const std::vector<std::vector<std::string>> commands{{}, {"token", "add"}, {"ticket", "mint"}, {"usage"}};
        for (const auto& command : commands) {
            std::vector<std::string> argv{CAMSTREAMD_PATH};
            argv.insert(argv.end(), command.begin(), command.end());
            for (const auto& name : options_of(argv)) {
                CAPTURE(name);
                CHECK(contains(daemon_page, name));
            }
        }
        for (const auto& name : options_of({CAMVIEW_PATH})) {
            CAPTURE(name);
            CHECK(contains(viewer_page, name));
        }
        // Every key --check-config prints ("section:", then "  key: value"):
        const auto effective =
            run_process({CAMSTREAMD_PATH, "--config", kSourceDir + "/config/camstreamd.yaml", "--check-config"}, 60s);
        INFO("--check-config: " << effective.status.describe() << ": " << effective.stderr_text);
        CHECK(effective.status.exited_with(0));
        std::istringstream lines(effective.stdout_text);
        std::string line, section;
        int keys = 0;
        while (std::getline(lines, line)) {
            if (const auto name = yaml_name(line, 0); !name.empty() && name.size() + 1 == line.size()) section = name;
            const auto name = yaml_name(line, 2);
            if (name.empty()) continue;
            const auto key = section + "." + name;
            CAPTURE(key);
            CHECK(contains(config_page, key));
            ++keys;
        }
        CHECK(keys > 30);
    }

    {  // copyright (machine-readable, MIT as Debian names it) and changelog of this version
        const auto copyright = read_file(base / "usr/share/doc/camstream/copyright");
        CHECK(copyright.starts_with("Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"));
        CHECK(contains(copyright, "Files: *\nCopyright: 2026 the camstream developers\nLicense: Expat\n"));
        CHECK(contains(read_file(kSourceDir + "/LICENSE"), "Copyright (c) 2026 the camstream developers"));

        const auto version = run_process({"/usr/bin/dpkg-deb", "--field", built.deb.string(), "Version"}, 60s).stdout_text;
        const auto changelog_path = base / "usr/share/doc/camstream/changelog.gz";
        const auto changelog = run_process({"/bin/gzip", "-dc", changelog_path.string()}, 60s);
        CHECK(changelog.status.exited_with(0));
        CHECK(changelog.stdout_text.starts_with("camstream (" + version.substr(0, version.find('\n')) + ") "));
    }

    {  // the conffile is the documented example configuration
        CHECK(read_file(base / "etc/camstream/camstreamd.yaml") == read_file(kSourceDir + "/config/camstreamd.yaml"));
    }

    {  // lintian reports no error and no warning, on the package and on its debug symbols
        const auto lintian = run_process(
            {"/usr/bin/lintian", "--fail-on", "error,warning", built.deb.string(), built.ddeb.string()}, 180s);
        INFO(lintian.stdout_text << lintian.stderr_text);
        std::istringstream reported(lintian.stdout_text);
        for (std::string tag; std::getline(reported, tag);) CHECK_FALSE((tag.rfind("E: ", 0) == 0 || tag.rfind("W: ", 0) == 0));
        CHECK(lintian.status.exited_with(0));
    }
}
