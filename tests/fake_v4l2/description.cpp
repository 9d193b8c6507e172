// Parsing a fake device's description file (see description.hpp).
#include "description.hpp"

#include "debug_log.hpp"
#include "real_libc.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/videodev2.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <sstream>

namespace fake_v4l2 {

namespace {

std::string trim(const std::string& text) {
    const auto first = text.find_first_not_of(" \t\r");
    if (first == std::string::npos) return {};
    const auto last = text.find_last_not_of(" \t\r");
    return text.substr(first, last - first + 1);
}

std::vector<std::string> split_list(const std::string& text) {
    std::vector<std::string> items;
    std::istringstream in(text);
    for (std::string item; std::getline(in, item, ',');) {
        item = trim(item);
        if (!item.empty()) items.push_back(item);
    }
    return items;
}

bool parse_number(const std::string& text, std::uint32_t& number) {
    const auto* end = text.data() + text.size();
    const auto result = std::from_chars(text.data(), end, number);
    return result.ec == std::errc{} && result.ptr == end;
}

bool parse_size(const std::string& text, FrameSize& size) {
    const auto cross = text.find('x');
    if (cross == std::string::npos) return false;
    return parse_number(text.substr(0, cross), size.width) &&
           parse_number(text.substr(cross + 1), size.height) && size.width > 0 && size.height > 0;
}

bool read_file_at(const std::string& path, std::vector<std::uint8_t>& bytes) {
    const int fd = real::open()(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    std::string text;
    const bool ok = read_whole_file(fd, text);
    real::close()(fd);
    bytes.assign(text.begin(), text.end());
    return ok;
}

bool is_jpeg_name(const std::string& name) {
    const auto dot = name.rfind('.');
    if (dot == std::string::npos) return false;
    std::string extension = name.substr(dot + 1);
    std::transform(extension.begin(), extension.end(), extension.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return extension == "jpg" || extension == "jpeg";
}

std::vector<std::vector<std::uint8_t>> load_jpegs(const std::string& folder) {
    std::vector<std::string> names;
    if (DIR* directory = opendir(folder.c_str())) {
        while (const dirent* entry = readdir(directory)) {
            if (is_jpeg_name(entry->d_name)) names.emplace_back(entry->d_name);
        }
        closedir(directory);
    } else {
        debug("frames folder %s: %s", folder.c_str(), std::strerror(errno));
    }
    std::sort(names.begin(), names.end());
    std::vector<std::vector<std::uint8_t>> jpegs;
    for (const auto& name : names) {
        std::vector<std::uint8_t> bytes;
        if (read_file_at(folder + "/" + name, bytes) && !bytes.empty()) jpegs.push_back(std::move(bytes));
    }
    return jpegs;
}

}  // namespace

std::size_t Description::largest_jpeg() const {
    std::size_t largest = 0;
    for (const auto& jpeg : jpegs) largest = std::max(largest, jpeg.size());
    return largest;
}

std::uint32_t fourcc_from_name(const std::string& name) {
    if (name == "MJPG") return V4L2_PIX_FMT_MJPEG;
    if (name == "YUYV") return V4L2_PIX_FMT_YUYV;
    if (name == "NV12") return V4L2_PIX_FMT_NV12;
    if (name == "YU12") return V4L2_PIX_FMT_YUV420;
    return 0;
}

bool read_whole_file(int fd, std::string& text) {
    text.clear();
    char chunk[65536];
    for (off_t offset = 0;;) {
        const ssize_t got = pread(fd, chunk, sizeof chunk, offset);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) return false;
        if (got == 0) return true;
        text.append(chunk, static_cast<std::size_t>(got));
        offset += got;
    }
}

Description parse_description(const std::string& text, const std::string& device_dir) {
    Description description;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        line = trim(line);
        if (line.empty() || line[0] == '#') continue;
        const auto equals = line.find('=');
        if (equals == std::string::npos) {
            debug("description line without '=': %s", line.c_str());
            continue;
        }
        const std::string key = trim(line.substr(0, equals));
        const std::string value = trim(line.substr(equals + 1));
        bool ok = true;
        if (key == "card") {
            description.card = value;
        } else if (key == "bus") {
            description.bus = value;
        } else if (key == "formats") {
            description.formats.clear();
            for (const auto& name : split_list(value)) {
                const auto fourcc = fourcc_from_name(name);
                ok = ok && fourcc != 0;
                if (fourcc != 0) description.formats.push_back(fourcc);
            }
        } else if (key == "sizes") {
            description.sizes.clear();
            for (const auto& item : split_list(value)) {
                FrameSize size;
                ok = ok && parse_size(item, size);
                if (size.width > 0 && size.height > 0) description.sizes.push_back(size);
            }
        } else if (key == "fps") {
            description.fps.clear();
            for (const auto& item : split_list(value)) {
                std::uint32_t fps = 0;
                ok = ok && parse_number(item, fps) && fps > 0;
                if (fps > 0) description.fps.push_back(fps);
            }
        } else if (key == "grant") {
            description.has_grant = !value.empty() && parse_size(value, description.grant);
            ok = value.empty() || description.has_grant;
        } else if (key == "frames") {
            if (!value.empty()) {
                description.jpegs = load_jpegs(value[0] == '/' ? value : device_dir + "/" + value);
            }
        } else if (key == "corrupt_every") {
            ok = parse_number(value, description.corrupt_every);
        } else if (key == "stall") {
            description.stall = value == "1";
            ok = value == "0" || value == "1";
        } else {
            ok = false;
        }
        if (!ok) debug("description: bad or unknown line '%s'", line.c_str());
    }
    if (description.formats.empty()) description.formats = {V4L2_PIX_FMT_YUYV};
    if (description.sizes.empty()) description.sizes = {{640, 480}};
    if (description.fps.empty()) description.fps = {30};
    return description;
}

}  // namespace fake_v4l2
