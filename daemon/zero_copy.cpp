// Zero-copy sending of frame payloads: see zero_copy.hpp.
#include "zero_copy.hpp"

#include "frame.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include <cerrno>

namespace camstream {

namespace {

bool write_all(int fd, std::span<const std::uint8_t> bytes) {
    std::size_t written = 0;
    while (written < bytes.size()) {
        const auto n = write(fd, bytes.data() + written, bytes.size() - written);
        if (n <= 0) return false;
        written += static_cast<std::size_t>(n);
    }
    return true;
}

}  // namespace

int make_wire_fd(const Frame& frame) {
    const int fd = memfd_create("camstream-frame", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0) return -1;
    if (!write_all(fd, frame.wire_header) || !write_all(fd, frame.jpeg)) {
        close(fd);
        return -1;
    }
    // Sealed: no one can change a frame that viewers are being sent.
    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
    return fd;
}

long send_frame_now(int socket_fd, const Frame& frame) {
    off_t offset = 0;
    const auto size = static_cast<off_t>(frame.wire_size());
    while (offset < size) {
        const auto n = sendfile(socket_fd, frame.wire_fd, &offset, static_cast<std::size_t>(size - offset));
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        if (n < 0) return -errno;
        if (n == 0) break;
    }
    return static_cast<long>(offset);
}

}  // namespace camstream
