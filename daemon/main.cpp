// camstreamd's entry point: command line, configuration, then the daemon.
#include "access/access_cli.hpp"
#include "capture/camera_list.hpp"
#include "config/config.hpp"
#include "daemon.hpp"
#include "service/logging.hpp"
#include "service/systemd.hpp"
#include "version.hpp"

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <iostream>

int main(int argc, char** argv) {
    // Named, so that --help (and the manual page help2man makes of it) says
    // "Usage: camstreamd", not the path it was started by.
    CLI::App app{"camstreamd: streams one camera as JPEG frames to many viewers over TCP", "camstreamd"};
    camstream::LaunchOptions launch;
    launch.config_path = "/etc/camstream/camstreamd.yaml";
    bool check_only = false;
    app.add_option("-c,--config", launch.config_path, "configuration file (YAML)")
        ->capture_default_str();
    app.add_option("--set", launch.overrides,
                   "override one setting, e.g. --set source.fps=15 (repeatable)")
        ->type_name("KEY=VALUE");
    app.add_flag("--check-config", check_only,
                 "validate the configuration, print the effective one, and exit 0 (valid) or 1");
    std::vector<std::string> camera_paths;
    bool list_only = false;
    auto* list_cameras = app.add_flag("--list-cameras", list_only, "list the cameras (V4L2 devices with their formats, sizes "
                                                        "and frame rates; libcamera modules) and exit");
    app.add_option("devices", camera_paths, "with --list-cameras: the devices to list instead of every /dev/video*")
        ->needs(list_cameras);
    app.set_version_flag("-V,--version", std::string("camstreamd ") + camstream::kVersion);

    camstream::AccessCommands access_commands(app);

    CLI11_PARSE(app, argc, argv);
    if (list_only) {
        camstream::list_cameras(std::cout, camera_paths);
        return 0;
    }
    if (const auto status = access_commands.run(launch.config_path, launch.overrides)) return *status;

    auto loaded = camstream::load_config_file(launch.config_path, launch.overrides);
    if (!loaded.ok()) {
        for (const auto& message : loaded.errors) std::cerr << message << "\n";
        std::cerr << "camstreamd: the configuration has " << loaded.errors.size()
                  << (loaded.errors.size() == 1 ? " error" : " errors") << "\n";
        return 1;
    }
    if (check_only) {
        std::cout << "# " << launch.config_path << " is valid; effective configuration:\n"
                  << camstream::to_yaml(loaded.settings);
        return 0;
    }

    camstream::setup_logging(camstream::stderr_is_journal());
    camstream::set_log_level(loaded.settings.log.level);
    try {
        camstream::Daemon daemon(std::move(loaded.settings), std::move(launch));
        return daemon.run();
    } catch (const std::exception& error) {
        spdlog::critical("camstreamd cannot run: {}", error.what());
        return 1;
    }
}
