// Integration: what an operator installs. The unit's sandbox as systemd rates it,
// `cmake --install` into a staging root (an edited config survives a reinstall),
// and the Debian package built by cpack: files, conffile, dependencies, scripts.
#include "support/child_process.hpp"

#include <doctest/doctest.h>

#include <fstream>

using namespace camstream::test;
using namespace std::chrono_literals;

namespace {

const std::string kSourceDir = CAMSTREAM_SOURCE_DIR;
const std::string kBinaryDir = CAMSTREAM_BINARY_DIR;

bool contains(const std::string& text, std::string_view needle) { return text.find(needle) != std::string::npos; }

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
    auto build = run_process({CPACK_COMMAND, "-G", "DEB", "--config", kBinaryDir + "/CPackConfig.cmake", "-B",
                              out.path().string()},
                             300s);
    INFO(build.stdout_text << build.stderr_text);
    REQUIRE(build.status.exited_with(0));
    std::filesystem::path deb;
    for (const auto& entry : std::filesystem::directory_iterator(out.path())) {
        if (entry.path().extension() == ".deb") deb = entry.path();
    }
    REQUIRE_FALSE(deb.empty());

    const auto contents = run_process({"/usr/bin/dpkg-deb", "--contents", deb.string()}, 60s).stdout_text;
    for (const char* path : {"./usr/bin/camstreamd", "./usr/bin/camview", "./usr/lib/systemd/system/camstreamd.service",
                             "./usr/lib/systemd/system/camstreamd.socket", "./etc/camstream/camstreamd.yaml"}) {
        CAPTURE(path);
        CHECK(contains(contents, path));
    }
    const auto depends = run_process({"/usr/bin/dpkg-deb", "--field", deb.string(), "Depends"}, 60s).stdout_text;
    INFO("Depends: " << depends);
    for (const char* library : {"libuv1", "libyaml-cpp0.7", "libopencv-core406", "libsystemd0", "libturbojpeg0"}) {
        CAPTURE(library);
        CHECK(contains(depends, library));
    }
    TempDir control("control");
    REQUIRE(run_process({"/usr/bin/dpkg-deb", "--control", deb.string(), control.path().string()}, 60s).status.exited_with(0));
    CHECK(contains(read_file(control.path() / "conffiles"), "/etc/camstream/camstreamd.yaml"));
    const auto postinst = read_file(control.path() / "postinst");
    CHECK(contains(postinst, "systemctl daemon-reload"));
    // Installing must not start or enable the service: the operator configures it first.
    for (const char* action : {"systemctl start", "systemctl enable", "systemctl restart", "--now", "deb-systemd-invoke"}) {
        CAPTURE(action);
        CHECK_FALSE(contains(postinst, action));
    }
}
