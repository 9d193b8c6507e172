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

#include <array>
#include <cstddef>

namespace camstream {

struct Frame;

// The read end of a pipe holding the frame's whole wire message, ready to be
// tee()d; -1 if the kernel cannot make one (the frame is then sent from memory).
int make_wire_pipe(const Frame& frame);

// The event loop's scratch pipe, through which every viewer's copy of a frame's
// page references passes on its way to the socket; it is empty between sends.
// The hub owns the one instance, so its descriptors exist for the daemon's life.
class FrameSplicer {
public:
    FrameSplicer();
    ~FrameSplicer();
    FrameSplicer(const FrameSplicer&) = delete;
    FrameSplicer& operator=(const FrameSplicer&) = delete;

    // Sends as much of the frame's wire message as the socket takes now, from
    // its start, without blocking. Returns the bytes sent (0 when the frame has
    // no pipe or the socket is full), or -errno on a socket failure.
    long send_now(int socket_fd, const Frame& frame);

private:
    bool usable() const { return pipe_[0] >= 0 && null_fd_ >= 0; }
    void discard(std::size_t bytes);
    void close_pipe();

    std::array<int, 2> pipe_{-1, -1};
    int null_fd_ = -1;
};

}  // namespace camstream
