// Zero-copy sending of frame payloads.
//
// writev() copies a frame into every viewer's socket: with many viewers that
// copy is most of the daemon's CPU. Instead each frame's wire message (header
// and payload) is written once into a pipe of its own. For every viewer, tee()
// duplicates that pipe's page references into a scratch pipe and splice() hands
// them to the socket: the kernel sends the same pages to every viewer, and no
// per-viewer page-cache lookups happen (what sendfile() from a memfd costs).
// The pipe's pages can never change after they are written, so a page still
// queued in some socket is safe. The bytes stay in Frame::jpeg too, for the
// rare partial send that libuv finishes from memory.
#pragma once

#include <cstddef>

namespace camstream {

struct Frame;

// The read end of a pipe holding the frame's whole wire message, ready to be
// tee()d; -1 if the kernel cannot make one (the frame is then sent from memory).
int make_wire_pipe(const Frame& frame);

// Sends as much of the frame's wire message as the socket takes now, without
// blocking, from the start. Returns the bytes sent (possibly 0), or -errno on
// a socket failure.
long send_frame_now(int socket_fd, const Frame& frame);

}  // namespace camstream
