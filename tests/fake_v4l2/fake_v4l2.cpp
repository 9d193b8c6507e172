// The preloaded entry points: which opens are fake devices, the table of fake
// descriptors, the application's mappings of fake buffers, and the libc
// functions interposed to route them (everything else goes straight to libc).
//
// Safe in any process: nothing runs at load time, nothing is printed unless
// FAKE_V4L2_DEBUG=1, and a process without FAKE_V4L2_DIR only pays a getenv per
// open and an atomic load per close/ioctl/mmap/munmap.
#include "debug_log.hpp"
#include "device.hpp"
#include "real_libc.hpp"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdarg>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

using fake_v4l2::BufferMemory;
using fake_v4l2::Device;

namespace {

// Descriptors are small integers; a flag per descriptor lets every interposer
// reject a real descriptor without a lock. Constant-initialized: no constructor runs.
constexpr int kMaxFds = 65536;
std::atomic<bool> fd_is_fake[kMaxFds];

struct DeviceTable {
    std::mutex mutex;
    std::unordered_map<int, std::shared_ptr<Device>> devices;
};

// Never destroyed: producer threads may still run while the process exits.
DeviceTable& device_table() {
    static auto* table = new DeviceTable;
    return *table;
}

bool is_fake_fd(int fd) { return fd >= 0 && fd < kMaxFds && fd_is_fake[fd].load(std::memory_order_acquire); }

std::shared_ptr<Device> find_device(int fd) {
    if (!is_fake_fd(fd)) return nullptr;
    auto& table = device_table();
    std::lock_guard lock(table.mutex);
    const auto found = table.devices.find(fd);
    return found == table.devices.end() ? nullptr : found->second;
}

// The application's mappings of fake buffers, by address. The same buffer
// mapped twice gets the same address, so a count per address.
struct Mapping {
    std::shared_ptr<BufferMemory> memory;
    int count = 0;
};
struct MappingTable {
    std::mutex mutex;
    std::map<void*, Mapping> mappings;
};
std::atomic<int> live_mappings{0};

MappingTable& mapping_table() {
    static auto* table = new MappingTable;
    return *table;
}

// True when `path` (relative to `dirfd`) resolves to a file directly inside
// FAKE_V4L2_DIR whose name starts with "video"; `resolved` gets its real path.
bool is_fake_path(int dirfd, const char* path, std::string& resolved) {
    const char* fake_dir = std::getenv("FAKE_V4L2_DIR");
    if (fake_dir == nullptr || fake_dir[0] == '\0' || path == nullptr || path[0] == '\0') return false;
    std::string full = path;
    if (path[0] != '/' && dirfd != AT_FDCWD) {
        char directory[PATH_MAX];
        const std::string link = "/proc/self/fd/" + std::to_string(dirfd);
        const ssize_t length = readlink(link.c_str(), directory, sizeof directory - 1);
        if (length <= 0) return false;
        full = std::string(directory, static_cast<std::size_t>(length)) + "/" + path;
    }
    char target[PATH_MAX];
    char directory[PATH_MAX];
    if (realpath(full.c_str(), target) == nullptr || realpath(fake_dir, directory) == nullptr) return false;
    const char* slash = std::strrchr(target, '/');
    if (slash == nullptr || std::strncmp(slash + 1, "video", 5) != 0) return false;
    const std::size_t directory_length = std::strlen(directory);
    const auto parent_length = static_cast<std::size_t>(slash - target);
    if (parent_length != directory_length || std::strncmp(target, directory, directory_length) != 0) return false;
    resolved = target;
    return true;
}

int open_fake(const std::string& resolved, int flags) {
    auto device = Device::open(resolved, flags);
    if (!device) return -1;
    const int fd = device->event_fd();
    if (fd >= kMaxFds) {
        errno = EMFILE;
        return -1;
    }
    auto& table = device_table();
    std::lock_guard lock(table.mutex);
    table.devices[fd] = std::move(device);
    fd_is_fake[fd].store(true, std::memory_order_release);
    return fd;
}

template <typename RealOpen>
int open_any(int dirfd, const char* path, int flags, RealOpen real_open) {
    std::string resolved;
    if ((flags & O_PATH) == 0 && is_fake_path(dirfd, path, resolved)) return open_fake(resolved, flags);
    return real_open();
}

bool takes_mode(int flags) { return (flags & O_CREAT) != 0 || (flags & O_TMPFILE) == O_TMPFILE; }

// A fake node looks like a V4L2 character device to stat, as tools check.
template <typename Stat>
void as_device_node(Stat& status) {
    status.st_mode = S_IFCHR | (status.st_mode & 07777);
    status.st_rdev = fake_v4l2::fake_device_number();
    status.st_size = 0;
    status.st_blocks = 0;
}

template <typename Stat>
int stat_path(int result, int dirfd, const char* path, Stat* status) {
    std::string resolved;
    if (result == 0 && S_ISREG(status->st_mode) && is_fake_path(dirfd, path, resolved)) as_device_node(*status);
    return result;
}

template <typename Stat>
int stat_fd(int result, int fd, Stat* status) {
    if (result == 0 && is_fake_fd(fd)) as_device_node(*status);
    return result;
}

template <typename Stat>
int stat_at(int result, int dirfd, const char* path, Stat* status, int flags) {
    if (path != nullptr && path[0] == '\0' && (flags & AT_EMPTY_PATH) != 0) return stat_fd(result, dirfd, status);
    return stat_path(result, dirfd, path, status);
}

void* map_fake(int fd, std::size_t length, std::int64_t offset) {
    const auto device = find_device(fd);
    if (!device) {  // closed by another thread meanwhile
        errno = EBADF;
        return MAP_FAILED;
    }
    auto memory = device->map(length, offset);
    if (!memory) return MAP_FAILED;
    auto& table = mapping_table();
    std::lock_guard lock(table.mutex);
    auto& mapping = table.mappings[memory->address];
    if (mapping.count++ == 0) live_mappings.fetch_add(1);
    ++memory->app_mappings;
    mapping.memory = std::move(memory);
    return mapping.memory->address;
}

FILE* open_uevent(const char* path) {
    if (std::getenv("FAKE_V4L2_DIR") == nullptr || path == nullptr ||
        std::strcmp(path, fake_v4l2::fake_uevent_path()) != 0) {
        return nullptr;
    }
    // A real descriptor, not fmemopen: std::ifstream reads through fileno().
    const int fd = memfd_create("fake_v4l2_uevent", MFD_CLOEXEC);
    if (fd < 0) return nullptr;
    const char* text = fake_v4l2::fake_uevent_text();
    const auto length = static_cast<ssize_t>(std::strlen(text));
    if (pwrite(fd, text, static_cast<std::size_t>(length), 0) != length) {
        fake_v4l2::real::close()(fd);
        return nullptr;
    }
    FILE* file = fdopen(fd, "r");
    if (file == nullptr) fake_v4l2::real::close()(fd);
    return file;
}

}  // namespace

extern "C" {

int __open_2(const char* path, int flags);
int __open64_2(const char* path, int flags);

int open(const char* path, int flags, ...) {
    mode_t mode = 0;
    if (takes_mode(flags)) {
        va_list arguments;
        va_start(arguments, flags);
        mode = static_cast<mode_t>(va_arg(arguments, int));
        va_end(arguments);
    }
    return open_any(AT_FDCWD, path, flags, [&] { return fake_v4l2::real::open()(path, flags, mode); });
}

int open64(const char* path, int flags, ...) {
    mode_t mode = 0;
    if (takes_mode(flags)) {
        va_list arguments;
        va_start(arguments, flags);
        mode = static_cast<mode_t>(va_arg(arguments, int));
        va_end(arguments);
    }
    return open_any(AT_FDCWD, path, flags, [&] { return fake_v4l2::real::open64()(path, flags, mode); });
}

int openat(int dirfd, const char* path, int flags, ...) {
    mode_t mode = 0;
    if (takes_mode(flags)) {
        va_list arguments;
        va_start(arguments, flags);
        mode = static_cast<mode_t>(va_arg(arguments, int));
        va_end(arguments);
    }
    return open_any(dirfd, path, flags, [&] { return fake_v4l2::real::openat()(dirfd, path, flags, mode); });
}

int openat64(int dirfd, const char* path, int flags, ...) {
    mode_t mode = 0;
    if (takes_mode(flags)) {
        va_list arguments;
        va_start(arguments, flags);
        mode = static_cast<mode_t>(va_arg(arguments, int));
        va_end(arguments);
    }
    return open_any(dirfd, path, flags, [&] { return fake_v4l2::real::openat64()(dirfd, path, flags, mode); });
}

int __open_2(const char* path, int flags) {
    return open_any(AT_FDCWD, path, flags, [&] { return fake_v4l2::real::__open_2()(path, flags); });
}

int __open64_2(const char* path, int flags) {
    return open_any(AT_FDCWD, path, flags, [&] { return fake_v4l2::real::__open64_2()(path, flags); });
}

int close(int fd) {
    if (!is_fake_fd(fd)) return fake_v4l2::real::close()(fd);
    std::shared_ptr<Device> device;
    {
        auto& table = device_table();
        std::lock_guard lock(table.mutex);
        const auto found = table.devices.find(fd);
        if (found != table.devices.end()) {
            device = std::move(found->second);
            table.devices.erase(found);
        }
        fd_is_fake[fd].store(false, std::memory_order_release);
    }
    fake_v4l2::debug("closing fd %d", fd);
    device.reset();  // stops the producer and closes the eventfd (unless an ioctl still runs)
    return 0;
}

int ioctl(int fd, unsigned long request, ...) noexcept {
    va_list arguments;
    va_start(arguments, request);
    void* argument = va_arg(arguments, void*);
    va_end(arguments);
    const auto device = find_device(fd);
    if (!device) return fake_v4l2::real::ioctl()(fd, request, argument);
    const int result = device->ioctl(request, argument);
    if (result < 0) {
        errno = -result;
        return -1;
    }
    return 0;
}

void* mmap(void* address, size_t length, int protection, int flags, int fd, off_t offset) noexcept {
    if (!is_fake_fd(fd)) return fake_v4l2::real::mmap()(address, length, protection, flags, fd, offset);
    return map_fake(fd, length, offset);
}

void* mmap64(void* address, size_t length, int protection, int flags, int fd, off64_t offset) noexcept {
    if (!is_fake_fd(fd)) return fake_v4l2::real::mmap64()(address, length, protection, flags, fd, offset);
    return map_fake(fd, length, offset);
}

int munmap(void* address, size_t length) noexcept {
    if (live_mappings.load() > 0) {
        std::shared_ptr<BufferMemory> released;  // freed after the lock, if it was the last holder
        auto& table = mapping_table();
        std::lock_guard lock(table.mutex);
        const auto found = table.mappings.find(address);
        if (found != table.mappings.end()) {
            --found->second.memory->app_mappings;
            if (--found->second.count == 0) {
                released = std::move(found->second.memory);
                table.mappings.erase(found);
                live_mappings.fetch_sub(1);
            }
            return 0;
        }
    }
    return fake_v4l2::real::munmap()(address, length);
}

int stat(const char* path, struct stat* status) noexcept {
    return stat_path(fake_v4l2::real::stat()(path, status), AT_FDCWD, path, status);
}

int stat64(const char* path, struct stat64* status) noexcept {
    return stat_path(fake_v4l2::real::stat64()(path, status), AT_FDCWD, path, status);
}

int lstat(const char* path, struct stat* status) noexcept {
    return stat_path(fake_v4l2::real::lstat()(path, status), AT_FDCWD, path, status);
}

int lstat64(const char* path, struct stat64* status) noexcept {
    return stat_path(fake_v4l2::real::lstat64()(path, status), AT_FDCWD, path, status);
}

int fstat(int fd, struct stat* status) noexcept { return stat_fd(fake_v4l2::real::fstat()(fd, status), fd, status); }

int fstat64(int fd, struct stat64* status) noexcept {
    return stat_fd(fake_v4l2::real::fstat64()(fd, status), fd, status);
}

int fstatat(int dirfd, const char* path, struct stat* status, int flags) noexcept {
    return stat_at(fake_v4l2::real::fstatat()(dirfd, path, status, flags), dirfd, path, status, flags);
}

int fstatat64(int dirfd, const char* path, struct stat64* status, int flags) noexcept {
    return stat_at(fake_v4l2::real::fstatat64()(dirfd, path, status, flags), dirfd, path, status, flags);
}

FILE* fopen(const char* path, const char* mode) {
    if (FILE* uevent = open_uevent(path)) return uevent;
    return fake_v4l2::real::fopen()(path, mode);
}

FILE* fopen64(const char* path, const char* mode) {
    if (FILE* uevent = open_uevent(path)) return uevent;
    return fake_v4l2::real::fopen64()(path, mode);
}

}  // extern "C"
