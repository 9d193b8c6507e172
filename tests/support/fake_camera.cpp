// The fake V4L2 camera's device file and environment (see fake_camera.hpp).
#include "support/fake_camera.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#ifndef FAKE_V4L2_LIBRARY
#error "FAKE_V4L2_LIBRARY must name libcamstream_fake_v4l2.so"
#endif

namespace camstream::test {

FakeCamera::FakeCamera(Description description)
    : device_dir_(root_.path() / "dev"), path_(device_dir_ / "video0"), description_(std::move(description)) {
    std::filesystem::create_directories(device_dir_);
    write_file();
}

void FakeCamera::set(const std::string& key, const std::string& value) {
    const auto found = std::find_if(description_.begin(), description_.end(),
                                    [&](const auto& entry) { return entry.first == key; });
    if (value.empty()) {
        if (found != description_.end()) description_.erase(found);
    } else if (found != description_.end()) {
        found->second = value;
    } else {
        description_.emplace_back(key, value);
    }
    if (plugged_) write_file();
}

void FakeCamera::unplug() {
    plugged_ = false;
    std::filesystem::remove(path_);
}

void FakeCamera::plug(const std::string& node) {
    plugged_ = true;
    path_ = device_dir_ / node;
    write_file();
}

// Rewrites in place (the inode is the device's identity: a new one is a
// replug) with one write, and gives the file a strictly newer mtime, because
// the fake notices edits by size and mtime and "stall=1" -> "stall=0" keeps the size.
void FakeCamera::write_file() {
    std::string text;
    for (const auto& [key, value] : description_) text += key + "=" + value + "\n";
    const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw std::runtime_error("cannot write " + path_.string() + ": " + std::strerror(errno));
    const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    if (now.tv_sec < last_mtime_.tv_sec || (now.tv_sec == last_mtime_.tv_sec && now.tv_nsec <= last_mtime_.tv_nsec)) {
        now = last_mtime_;
        if (++now.tv_nsec == 1'000'000'000) {
            now.tv_nsec = 0;
            ++now.tv_sec;
        }
    }
    last_mtime_ = now;
    const timespec times[2] = {now, now};
    const bool stamped = ::futimens(fd, times) == 0;
    ::close(fd);
    if (!written || !stamped) throw std::runtime_error("cannot write " + path_.string());
}

std::vector<std::string> FakeCamera::env() const {
    // ASan insists on being first in the link order; a preloaded library comes
    // before it, which is harmless here (the fake does not intercept malloc).
    std::string asan_options = "verify_asan_link_order=0";
    if (const char* existing = std::getenv("ASAN_OPTIONS"); existing != nullptr && existing[0] != '\0') {
        asan_options = std::string(existing) + ":" + asan_options;
    }
    return {"LD_PRELOAD=" + library_path(), "FAKE_V4L2_DIR=" + device_dir_.string(), "ASAN_OPTIONS=" + asan_options};
}

std::string FakeCamera::library_path() { return FAKE_V4L2_LIBRARY; }

}  // namespace camstream::test
