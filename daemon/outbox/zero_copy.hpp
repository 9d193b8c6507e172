// Zero-copy fan-out: the loop's scratch pipe, through which each viewer's copy
// of a framed message's page references passes on its way to the socket.
//
// writev() copies a frame into every viewer's socket: with many viewers that
// copy is most of the daemon's CPU. Instead each framed message is written once
// into a pipe of its own (media/framed_message.hpp). For every viewer, tee()
// duplicates that pipe's page references into this scratch pipe and splice()
// hands them to the socket: the kernel sends the same pages to every viewer, and
// no per-viewer page-cache lookups happen (what sendfile() from a memfd costs).
// The message pipe's pages never change after they are written, so a page still
// queued in some socket is safe.
#pragma once

#include <array>
#include <cstddef>

namespace camstream {

class FramedMessage;

// The hub owns the one instance, so its descriptors exist for the daemon's life;
// it is empty between sends.
class FrameSplicer {
public:
    FrameSplicer();
    ~FrameSplicer();
    FrameSplicer(const FrameSplicer&) = delete;
    FrameSplicer& operator=(const FrameSplicer&) = delete;

    // Sends as much of the message as the socket takes now, from its start,
    // without blocking. Returns the bytes sent (0 when the message has no pipe
    // or the socket is full), or -errno on a socket failure.
    long send_now(int socket_fd, const FramedMessage& message);

private:
    bool usable() const { return pipe_[0] >= 0 && null_fd_ >= 0; }
    void discard(std::size_t bytes);
    void close_pipe();

    std::array<int, 2> pipe_{-1, -1};
    int null_fd_ = -1;
};

}  // namespace camstream
