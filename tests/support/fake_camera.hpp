// A fake V4L2 camera for tests (tests/fake_v4l2/README.md): a device file in a
// temporary folder holding the description, edited while a program uses it,
// unplugged and plugged back, and the environment that makes a child process
// see it as a device.
#pragma once

#include "support/child_process.hpp"

#include <ctime>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace camstream::test {

class FakeCamera {
public:
    // key=value lines of the description, in order (README.md lists the keys).
    using Description = std::vector<std::pair<std::string, std::string>>;

    // Creates <temp>/dev/video0 holding `description`.
    explicit FakeCamera(Description description = {});

    // The device node to open: /tmp/fake-v4l2-XXXXXX/dev/video0.
    const std::filesystem::path& path() const { return path_; }
    // FAKE_V4L2_DIR: the folder whose video* files are fake devices.
    const std::filesystem::path& device_dir() const { return device_dir_; }
    // The temporary folder around it, for the test's own files (frames, symlinks).
    const std::filesystem::path& root() const { return root_.path(); }

    // Sets (or adds) one key and rewrites the file; an open device sees the
    // change at its next ioctl or frame. `value` empty removes the key.
    void set(const std::string& key, const std::string& value);
    // Deletes the device file: open descriptors die with ENODEV, as on a USB unplug.
    void unplug();
    // Recreates it: new opens work, descriptors opened before stay dead. A
    // camera may come back as another node (video0 replugged as video1).
    void plug(const std::string& node = "video0");

    // "NAME=value" entries for a child process (ChildProcess, run_process,
    // DaemonProcess): LD_PRELOAD, FAKE_V4L2_DIR and ASAN_OPTIONS.
    std::vector<std::string> env() const;
    // The preloaded library built with the tests.
    static std::string library_path();

private:
    void write_file();

    TempDir root_{"fake-v4l2"};
    std::filesystem::path device_dir_;
    std::filesystem::path path_;
    Description description_;
    bool plugged_ = true;
    timespec last_mtime_{};
};

}  // namespace camstream::test
