// camstreamd --list-cameras: see camera_list.hpp.
#include "capture/camera_list.hpp"

#include "capture/v4l2_device.hpp"

#include <fmt/format.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <map>

namespace camstream {
namespace {

namespace fs = std::filesystem;

// /dev/video10 after /dev/video9.
bool by_number(const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() < b.size() : a < b;
}

std::vector<std::string> video_nodes() {
    std::vector<std::string> nodes;
    std::error_code ec;
    for (fs::directory_iterator entry("/dev", ec), end; !ec && entry != end; entry.increment(ec)) {
        const auto name = entry->path().filename().string();
        if (name.rfind("video", 0) == 0) nodes.push_back(entry->path().string());
    }
    std::sort(nodes.begin(), nodes.end(), by_number);
    return nodes;
}

// Node -> its stable names, which survive replugging into another port.
std::map<std::string, std::vector<std::string>> stable_names() {
    std::map<std::string, std::vector<std::string>> names;
    for (const char* folder : {"/dev/v4l/by-id", "/dev/v4l/by-path"}) {
        std::error_code ec;
        for (fs::directory_iterator entry(folder, ec), end; !ec && entry != end; entry.increment(ec)) {
            std::error_code resolve_ec;
            const auto node = fs::canonical(entry->path(), resolve_ec);
            if (!resolve_ec) names[node.string()].push_back(entry->path().string());
        }
    }
    return names;
}

std::string rates(const std::vector<double>& fps) {
    std::string text;
    for (const auto rate : fps) text += fmt::format("{}{:g}", text.empty() ? "" : ", ", rate);
    return text.empty() ? "rates not listed" : text + " fps";
}

void list_one(std::ostream& out, const std::string& path,
              const std::map<std::string, std::vector<std::string>>& names) {
    V4l2Device device;
    std::string error;
    if (!device.open(path, error)) {
        out << error << "\n\n";
        return;
    }
    out << path << ": " << device.card() << " (" << device.bus() << ")\n";
    std::error_code ec;
    const auto node = fs::canonical(path, ec);
    if (const auto found = names.find(ec ? path : node.string()); found != names.end()) {
        for (const auto& name : found->second) out << "  stable name: " << name << "\n";
    }
    if (!ec && node.string() != path) out << "  node: " << node.string() << "\n";
    for (const auto& format : device.formats()) {
        out << fmt::format("  {} ({}){}\n", fourcc_name(format.fourcc), format.description,
                           format.fourcc == fourcc_from_name("MJPG") ? ": sent as the camera makes it" : "");
        for (const auto& size : format.sizes) {
            out << fmt::format("    {}x{}: {}\n", size.width, size.height, rates(size.fps));
        }
    }
    out << fmt::format("  use: source.uri: v4l2:{}\n\n",
                       names.count(ec ? path : node.string()) ? names.at(ec ? path : node.string()).front() : path);
}

// libcamera's own tools know the camera modules; we only ask them, bounded.
void list_libcamera(std::ostream& out) {
    for (const char* tool : {"rpicam-hello", "libcamera-hello", "cam"}) {
        const std::string probe = fmt::format("command -v {} >/dev/null 2>&1", tool);
        if (std::system(probe.c_str()) != 0) continue;
        const std::string command =
            fmt::format("timeout 10 {} {} 2>&1", tool, std::string(tool) == "cam" ? "--list" : "--list-cameras");
        out << "libcamera (" << tool << "):\n";
        if (FILE* pipe = ::popen(command.c_str(), "r")) {
            std::array<char, 512> line{};
            while (std::fgets(line.data(), static_cast<int>(line.size()), pipe)) out << "  " << line.data();
            ::pclose(pipe);
        }
        out << "  use: source.uri: gstreamer:libcamerasrc ! video/x-raw,width=1280,height=720,framerate=30/1\n";
        return;
    }
    out << "libcamera: no rpicam-hello, libcamera-hello or cam found, so camera modules (Raspberry Pi Camera "
           "Module) cannot be listed; on Raspberry Pi OS: apt install rpicam-apps gstreamer1.0-libcamera\n";
}

}  // namespace

void list_cameras(std::ostream& out, const std::vector<std::string>& devices) {
    const auto nodes = devices.empty() ? video_nodes() : devices;
    const auto names = stable_names();
    if (nodes.empty()) out << "V4L2: no /dev/video* devices (is a USB camera plugged in?)\n\n";
    for (const auto& node : nodes) list_one(out, node, names);
    list_libcamera(out);
}

}  // namespace camstream
