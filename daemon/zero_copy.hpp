// Zero-copy sending of frame payloads.
//
// writev() copies a frame into every viewer's socket: with many viewers that
// copy is most of the daemon's CPU. A payload kept in a sealed memfd can be
// sent with sendfile() instead, which hands the kernel references to the same
// pages for every viewer. The bytes stay in Frame::jpeg too, for the rare
// partial send that libuv finishes from memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace camstream {

struct Frame;

// A sealed, read-only memfd holding the frame's whole wire message (header and
// payload), so one sendfile() sends it; -1 if the kernel cannot make one.
int make_wire_fd(const Frame& frame);

// Sends as much of the frame's wire message as the socket takes now, without
// blocking. Returns the bytes sent (possibly 0), or -errno on failure.
long send_frame_now(int socket_fd, const Frame& frame);

}  // namespace camstream
