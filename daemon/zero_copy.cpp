// Zero-copy sending of frame payloads: see zero_copy.hpp.
#include "zero_copy.hpp"

#include "frame.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace camstream {

int make_payload_fd(std::span<const std::uint8_t> bytes) {
    const int fd = memfd_create("camstream-frame", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0) return -1;
    std::size_t written = 0;
    while (written < bytes.size()) {
        const auto n = write(fd, bytes.data() + written, bytes.size() - written);
        if (n <= 0) {
            close(fd);
            return -1;
        }
        written += static_cast<std::size_t>(n);
    }
    // Sealed: no one can change a frame that viewers are being sent.
    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
    return fd;
}

long send_frame_now(int socket_fd, const Frame& frame) {
    const auto header = send(socket_fd, frame.wire_header.data(), frame.wire_header.size(),
                             MSG_DONTWAIT | MSG_NOSIGNAL | MSG_MORE);
    if (header < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
    if (static_cast<std::size_t>(header) < frame.wire_header.size()) return header;
    off_t offset = 0;
    const auto size = static_cast<off_t>(frame.jpeg.size());
    while (offset < size) {
        const auto n = sendfile(socket_fd, frame.payload_fd, &offset, static_cast<std::size_t>(size - offset));
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        if (n < 0) return -errno;
        if (n == 0) break;
    }
    return header + static_cast<long>(offset);
}

}  // namespace camstream
