// Outbox: see outbox.hpp.
#include "outbox/outbox.hpp"

#include "media/clock.hpp"
#include "outbox/zero_copy.hpp"

#include <spdlog/spdlog.h>

#include <array>

namespace camstream {

// A control message owns its bytes (or holds its framed picture) until written.
struct Outbox::ControlWrite {
    uv_write_t request{};
    std::vector<std::uint8_t> bytes;
    FramedPtr framed;
    Outbox* outbox = nullptr;
    bool close_after = false;
};

// A batch of audio packets written as one request: it holds them until written.
struct Outbox::AudioWrite {
    uv_write_t request{};
    std::vector<FramedPtr> packets;
    std::size_t bytes = 0;
    Outbox* outbox = nullptr;
};

namespace {

uv_buf_t as_buffer(const std::uint8_t* data, std::size_t size) {
    // libuv only reads from write buffers; its API just is not const-correct.
    return uv_buf_init(const_cast<char*>(reinterpret_cast<const char*>(data)), static_cast<unsigned int>(size));
}

// Viewers send little (a hello, an HTTP request), and reads are handled
// synchronously, so every outbox can share one read buffer.
std::array<char, 4096> shared_read_buffer;

}  // namespace

Outbox::Outbox(std::unique_ptr<UvHandle<uv_tcp_t>> socket, std::string peer, std::size_t send_buffer_bytes,
               QueueLimits limits, FrameSplicer& splicer, Listener& listener)
    : socket_(std::move(socket)),
      splicer_(splicer),
      listener_(listener),
      peer_(std::move(peer)),
      queue_(limits),
      last_sent_(Clock::now()) {
    socket_->get()->data = this;
    uv_tcp_nodelay(socket_->get(), 1);
    // Left alone, the kernel grows a socket's send buffer to megabytes: a viewer
    // that stops reading would soak up a hundred frames there, keep "making
    // progress" long after it stalled, and get stale frames when it resumes.
    // Bounding it keeps drop-oldest and the stall timer in charge.
    int send_buffer = static_cast<int>(send_buffer_bytes);
    if (const int rc = uv_send_buffer_size(socket_->base(), &send_buffer); rc != 0) {
        spdlog::warn("viewer {}: cannot bound the socket's send buffer ({}); a stalled viewer may hold more",
                     peer_, uv_strerror(rc));
    }
    const int rc = uv_read_start(
        socket_->stream(),
        [](uv_handle_t*, size_t, uv_buf_t* buf) {
            *buf = uv_buf_init(shared_read_buffer.data(), shared_read_buffer.size());
        },
        [](uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
            static_cast<Outbox*>(stream->data)->on_read(nread, buf);
        });
    if (rc != 0) fail(std::string("cannot read: ") + uv_strerror(rc));
}

void Outbox::on_read(ssize_t nread, const uv_buf_t* buf) {
    if (nread == 0 || failed_) return;
    if (nread < 0) {
        fail(nread == UV_EOF ? "closed by peer" : std::string("read error: ") + uv_strerror(static_cast<int>(nread)));
        return;
    }
    listener_.on_input({reinterpret_cast<const std::uint8_t*>(buf->base), static_cast<std::size_t>(nread)});
}

void Outbox::stop_reading() {
    if (!socket_->closed()) uv_read_stop(socket_->stream());
}

void Outbox::fail(const std::string& why) {
    if (failed_ || socket_->closed()) return;
    failed_ = true;
    listener_.on_failure(why);
    close();
}

void Outbox::close(bool reset) {
    if (socket_->closed()) return;
    // Cancelled writes call back before the close callback, so `this` stays
    // alive until then, and only then may the owner free it.
    auto on_closed = [&listener = listener_] { listener.on_closed(); };
    if (reset) {
        socket_->close_reset(std::move(on_closed));
    } else {
        socket_->close(std::move(on_closed));
    }
}

void Outbox::count_dropped(DropCause cause, std::size_t frames) {
    if (frames == 0) return;
    frames_dropped_ += frames;
    listener_.on_frames_dropped(cause, frames);
}

void Outbox::set_queue_limits(QueueLimits limits) { count_dropped(DropCause::limits_lowered, queue_.set_limits(limits)); }

void Outbox::offer(const FramedPtr& message) {
    if (failed_ || socket_->closed() || !rate_cap_.admit(message->frame().times.captured_us)) return;
    count_dropped(DropCause::queue_full, queue_.push(message));
    if (!progress_.writing()) write_next_frame();
}

void Outbox::offer_audio(const FramedPtr& packet) {
    if (failed_ || socket_->closed()) return;
    if (const auto dropped = audio_.push(packet); dropped > 0) {
        audio_dropped_ += dropped;
        listener_.on_audio_dropped(dropped);
    }
    if (!audio_writing_) write_audio();
}

void Outbox::write_audio() {
    // Everything waiting goes as one request: libuv queues it behind the frame
    // in flight (order on the wire holds) and ahead of every frame still queued.
    auto write = std::make_unique<AudioWrite>();
    write->packets = audio_.take_all();
    if (write->packets.empty()) return;
    std::vector<uv_buf_t> buffers;
    buffers.reserve(write->packets.size() * 2);
    for (const auto& packet : write->packets) {
        for (const auto part : packet->parts()) {
            if (!part.empty()) buffers.push_back(as_buffer(part.data(), part.size()));
        }
        write->bytes += packet->size();
    }
    write->outbox = this;
    write->request.data = write.get();
    const int rc = uv_write(&write->request, socket_->stream(), buffers.data(), static_cast<unsigned>(buffers.size()),
                            [](uv_write_t* request, int status) {
                                std::unique_ptr<AudioWrite> done(static_cast<AudioWrite*>(request->data));
                                auto* outbox = done->outbox;
                                outbox->on_audio_written(std::move(done), status);
                            });
    if (rc != 0) {
        fail(std::string("write error: ") + uv_strerror(rc));
        return;
    }
    audio_writing_ = true;
    audio_progress_.write_started(Clock::now(), pending_write_bytes());
    write.release();  // owned by the request until its callback
}

void Outbox::on_audio_written(std::unique_ptr<AudioWrite> write, int status) {
    audio_writing_ = false;
    audio_progress_.write_finished(Clock::now());
    if (status != 0) {
        if (status != UV_ECANCELED) fail(std::string("write error: ") + uv_strerror(status));
        return;
    }
    audio_sent_ += write->packets.size();
    listener_.on_audio_sent(write->packets.size(), write->bytes);
    write.reset();
    if (!failed_ && !socket_->closed()) write_audio();
}

void Outbox::write_next_frame() {
    while (!failed_ && !socket_->closed() && (in_flight_ = queue_.pop())) {
        std::size_t sent = 0;
        // Straight to the kernel with tee() + splice() when nothing is queued ahead in
        // libuv (order must hold); whatever the socket does not take now, libuv
        // writes from memory once it drains.
        uv_os_fd_t fd = -1;
        if (in_flight_->pipe_fd() >= 0 && pending_write_bytes() == 0 && uv_fileno(socket_->base(), &fd) == 0) {
            const long result = splicer_.send_now(fd, *in_flight_);
            if (result < 0) {
                in_flight_.reset();
                fail(std::string("write error: ") + uv_strerror(static_cast<int>(result)));
                return;
            }
            sent = static_cast<std::size_t>(result);
        }
        if (sent == in_flight_->size()) {
            frame_sent(wall_clock_us());
            continue;
        }
        write_rest_of_frame(sent);
        return;
    }
}

void Outbox::write_rest_of_frame(std::size_t already_sent) {
    // From the message's own buffers: nothing is copied per viewer.
    std::array<uv_buf_t, 3> buffers{};
    unsigned count = 0;
    for (auto part : in_flight_->parts()) {
        const auto skipped = std::min(already_sent, part.size());
        already_sent -= skipped;
        part = part.subspan(skipped);
        if (!part.empty()) buffers[count++] = as_buffer(part.data(), part.size());
    }
    frame_write_.data = this;
    const int rc = uv_write(&frame_write_, socket_->stream(), buffers.data(), count,
                            [](uv_write_t* request, int status) {
                                static_cast<Outbox*>(request->data)->on_frame_written(status);
                            });
    if (rc != 0) {
        in_flight_.reset();
        fail(std::string("write error: ") + uv_strerror(rc));
        return;
    }
    const auto pending = pending_write_bytes();
    progress_.write_started(Clock::now(), pending);
    // libuv writes at once when the socket has room but calls back only on the
    // next loop iteration, after the whole fan-out: note when the bytes really left.
    in_flight_written_us_ = pending == 0 ? wall_clock_us() : 0;
}

void Outbox::on_frame_written(int status) {
    if (status != 0) {
        in_flight_.reset();
        progress_.write_finished(Clock::now());
        if (status != UV_ECANCELED) fail(std::string("write error: ") + uv_strerror(status));
        return;
    }
    frame_sent(in_flight_written_us_ != 0 ? in_flight_written_us_ : wall_clock_us());
    write_next_frame();
}

void Outbox::frame_sent(std::int64_t written_us) {
    const auto now = Clock::now();
    progress_.write_finished(now);
    ++frames_sent_;
    last_sent_ = now;
    listener_.on_frame_sent(*in_flight_, written_us);
    in_flight_.reset();
}

void Outbox::send_control(std::vector<std::uint8_t> bytes, bool close_after) {
    if (socket_->closed()) return;
    auto write = std::make_unique<ControlWrite>();
    write->bytes = std::move(bytes);
    const std::array<uv_buf_t, 1> buffer{as_buffer(write->bytes.data(), write->bytes.size())};
    write_control(std::move(write), buffer, close_after);
}

void Outbox::send_control(FramedPtr message, bool close_after) {
    if (socket_->closed()) return;
    auto write = std::make_unique<ControlWrite>();
    std::array<uv_buf_t, 3> buffers{};
    unsigned count = 0;
    for (const auto part : message->parts()) {
        if (!part.empty()) buffers[count++] = as_buffer(part.data(), part.size());
    }
    write->framed = std::move(message);
    write_control(std::move(write), std::span(buffers.data(), count), close_after);
}

void Outbox::write_control(std::unique_ptr<ControlWrite> write, std::span<const uv_buf_t> buffers,
                           bool close_after) {
    write->outbox = this;
    write->close_after = close_after;
    write->request.data = write.get();
    const int rc = uv_write(&write->request, socket_->stream(), buffers.data(),
                            static_cast<unsigned>(buffers.size()), [](uv_write_t* request, int status) {
        std::unique_ptr<ControlWrite> done(static_cast<ControlWrite*>(request->data));
        if (status != 0 && status != UV_ECANCELED) {
            done->outbox->fail(std::string("write error: ") + uv_strerror(status));
        } else if (done->close_after) {
            done->outbox->close();
        }
    });
    if (rc != 0) {
        fail(std::string("write error: ") + uv_strerror(rc));
        return;
    }
    write.release();  // owned by the request until its callback
    last_sent_ = Clock::now();
}

std::size_t Outbox::pending_write_bytes() const { return uv_stream_get_write_queue_size(socket_->stream()); }

bool Outbox::stalled(Clock::time_point now, Clock::duration timeout) {
    if (socket_->closed()) return false;
    const auto pending = pending_write_bytes();
    progress_.observe(now, pending);
    audio_progress_.observe(now, pending);
    return progress_.stalled(now, timeout) || audio_progress_.stalled(now, timeout);
}

}  // namespace camstream
