// Session: see session.hpp.
#include "outbox/outbox.hpp"

#include "media/clock.hpp"
#include "hub/hub.hpp"
#include "net/socket_name.hpp"

#include <spdlog/spdlog.h>

#include <array>

namespace camstream {
namespace {

// A control message (hello reply, heartbeat, goodbye) owns its bytes until written.
struct ControlWrite {
    uv_write_t request{};
    wire::Bytes bytes;
    Session* session = nullptr;
    bool close_after = false;
};

uv_buf_t as_buffer(const std::uint8_t* data, std::size_t size) {
    // libuv only reads from write buffers; its API just is not const-correct.
    return uv_buf_init(const_cast<char*>(reinterpret_cast<const char*>(data)),
                       static_cast<unsigned int>(size));
}

constexpr std::int64_t kFreshFrameUs = 500'000;

// Viewers send at most a 268-byte hello, and reads are handled synchronously,
// so every session can share one read buffer.
std::array<char, 4096> shared_read_buffer;

}  // namespace

Session::Session(Hub& hub, std::unique_ptr<UvHandle<uv_tcp_t>> socket, std::uint64_t id)
    : hub_(hub),
      socket_(std::move(socket)),
      id_(id),
      peer_(peer_name(socket_->get())),
      connected_at_(Clock::now()),
      queue_(hub.queue_limits()) {
    socket_->get()->data = this;
    uv_tcp_nodelay(socket_->get(), 1);
    // Left alone, the kernel grows a socket's send buffer to megabytes: a viewer
    // that stops reading would soak up a hundred frames there, keep "making
    // progress" long after it stalled, and get stale frames when it resumes.
    // Bounding it keeps drop-oldest and the stall timer in charge.
    int send_buffer = static_cast<int>(hub_.viewer_settings().socket_send_buffer);
    uv_send_buffer_size(socket_->base(), &send_buffer);
    const int rc = uv_read_start(
        socket_->stream(),
        [](uv_handle_t*, size_t, uv_buf_t* buf) {
            *buf = uv_buf_init(shared_read_buffer.data(), shared_read_buffer.size());
        },
        [](uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
            static_cast<Session*>(stream->data)->on_read(nread, buf);
        });
    if (rc != 0) close(std::string("cannot read: ") + uv_strerror(rc));
}

void Session::on_read(ssize_t nread, const uv_buf_t* buf) {
    if (nread == 0 || state_ == State::closing) return;
    if (nread < 0) {
        close(nread == UV_EOF ? "closed by peer" : std::string("read error: ") + uv_strerror(static_cast<int>(nread)));
        return;
    }
    std::span<const std::uint8_t> input(reinterpret_cast<const std::uint8_t*>(buf->base),
                                        static_cast<std::size_t>(nread));
    if (state_ == State::streaming) {
        finish(wire::Reason::malformed, "unexpected bytes after the hello");
        return;
    }
    switch (hello_decoder_.feed(input)) {
        case wire::DecodeStatus::need_more:
            return;
        case wire::DecodeStatus::error:
            reject(hello_decoder_.error(), hello_decoder_.error_text());
            return;
        case wire::DecodeStatus::item:
            if (!input.empty()) {
                reject(wire::Reason::malformed, "unexpected bytes after the hello");
                return;
            }
            on_hello(hello_decoder_.hello());
            return;
    }
}

void Session::on_hello(const wire::ClientHello& hello) {
    if (!hub_.admit_viewer(*this)) {
        reject(wire::Reason::server_full,
               "server.max_viewers (" + std::to_string(hub_.max_viewers()) + ") reached");
        return;
    }
    state_ = State::streaming;
    admitted_ = true;
    rate_cap_ = RateCap(hello.max_fps);
    last_sent_ = Clock::now();
    send_control(hub_.accept_reply(), false);
    spdlog::info("viewer {} connected (session {}, max_fps {})", peer_, id_,
                 hello.max_fps == 0 ? std::string("uncapped") : std::to_string(hello.max_fps));
    // Start the viewer with the newest picture at once, unless it is stale: with
    // nobody watching nothing is encoded, so the last frame may be minutes old.
    const auto latest = hub_.latest_frame();
    if (latest && wall_clock_us() - latest->captured_us < kFreshFrameUs) offer(latest);
}

void Session::reject(wire::Reason reason, const std::string& detail) {
    spdlog::warn("viewer {} rejected: {} ({})", peer_, wire::to_string(reason), detail);
    hub_.count_rejection();
    state_ = State::closing;
    closing_since_ = Clock::now();
    uv_read_stop(socket_->stream());
    send_control(wire::encode_reject(reason, detail), true);
}

void Session::finish(wire::Reason reason, const std::string& detail) {
    if (state_ == State::closing) return;
    spdlog::info("viewer {} disconnected: {} ({}); {} frames sent, {} dropped", peer_,
                 wire::to_string(reason), detail, frames_sent_, frames_dropped_);
    state_ = State::closing;
    closing_since_ = Clock::now();
    uv_read_stop(socket_->stream());
    const wire::Goodbye goodbye{reason, detail};
    send_control(wire::encode_message(wire::MessageType::goodbye, 0,
                                      static_cast<std::uint64_t>(wall_clock_us()),
                                      wire::encode_payload(goodbye)),
                 true);
}

void Session::close(const std::string& why, bool reset) {
    if (socket_->closed()) return;
    if (state_ != State::closing) {
        spdlog::info("viewer {} disconnected: {}; {} frames sent, {} dropped", peer_, why,
                     frames_sent_, frames_dropped_);
    }
    state_ = State::closing;
    // Cancelled writes call back before the close callback, so `this` stays
    // alive until then, and only then does the hub free it.
    auto on_closed = [&hub = hub_, this] { hub.session_closed(*this, admitted_); };
    if (reset) {
        socket_->close_reset(std::move(on_closed));
    } else {
        socket_->close(std::move(on_closed));
    }
}

void Session::offer(const FramePtr& frame) {
    if (state_ != State::streaming || !rate_cap_.admit(frame->captured_us)) return;
    const auto dropped = queue_.push(frame);
    frames_dropped_ += dropped;
    hub_.count_drops(dropped);
    if (!progress_.writing()) write_next_frame();
}

void Session::write_next_frame() {
    while (state_ == State::streaming && (in_flight_ = queue_.pop())) {
        std::size_t sent = 0;
        // Straight to the kernel with tee() + splice() when nothing is queued ahead in
        // libuv (order must hold); whatever the socket does not take now, libuv
        // writes from memory once it drains.
        uv_os_fd_t fd = -1;
        if (in_flight_->wire_fd >= 0 && pending_write_bytes() == 0 && uv_fileno(socket_->base(), &fd) == 0) {
            const long result = hub_.splicer().send_now(fd, *in_flight_);
            if (result < 0) {
                in_flight_.reset();
                close(std::string("write error: ") + uv_strerror(static_cast<int>(result)));
                return;
            }
            sent = static_cast<std::size_t>(result);
        }
        if (sent == in_flight_->wire_size()) {
            frame_sent(wall_clock_us());
            continue;
        }
        write_rest_of_frame(sent);
        return;
    }
}

void Session::write_rest_of_frame(std::size_t already_sent) {
    // Header and payload from the frame's own buffers: nothing is copied per viewer.
    const auto& header = in_flight_->wire_header;
    const auto header_sent = std::min(already_sent, header.size());
    const auto payload_sent = already_sent - header_sent;
    std::array<uv_buf_t, 2> buffers{};
    unsigned count = 0;
    if (header_sent < header.size()) buffers[count++] = as_buffer(header.data() + header_sent, header.size() - header_sent);
    const auto payload = in_flight_->payload().subspan(payload_sent);
    buffers[count++] = as_buffer(payload.data(), payload.size());
    frame_write_.data = this;
    const int rc = uv_write(&frame_write_, socket_->stream(), buffers.data(), count,
                            [](uv_write_t* request, int status) {
                                static_cast<Session*>(request->data)->on_frame_written(status);
                            });
    if (rc != 0) {
        in_flight_.reset();
        close(std::string("write error: ") + uv_strerror(rc));
        return;
    }
    const auto pending = pending_write_bytes();
    progress_.write_started(Clock::now(), pending);
    // libuv writes at once when the socket has room but calls back only on the
    // next loop iteration, after the whole fan-out: note when the bytes really left.
    in_flight_written_us_ = pending == 0 ? wall_clock_us() : 0;
}

void Session::on_frame_written(int status) {
    if (status != 0) {
        in_flight_.reset();
        progress_.write_finished(Clock::now());
        if (status != UV_ECANCELED) close(std::string("write error: ") + uv_strerror(status));
        return;
    }
    frame_sent(in_flight_written_us_ != 0 ? in_flight_written_us_ : wall_clock_us());
    write_next_frame();
}

void Session::frame_sent(std::int64_t written_us) {
    const auto now = Clock::now();
    progress_.write_finished(now);
    ++frames_sent_;
    last_sent_ = now;
    hub_.count_sent(*in_flight_, written_us);
    in_flight_.reset();
}

void Session::send_control(wire::Bytes bytes, bool close_after) {
    auto write = std::make_unique<ControlWrite>();
    write->bytes = std::move(bytes);
    write->session = this;
    write->close_after = close_after;
    write->request.data = write.get();
    const auto buffer = as_buffer(write->bytes.data(), write->bytes.size());
    const int rc = uv_write(&write->request, socket_->stream(), &buffer, 1,
                            [](uv_write_t* request, int status) {
                                std::unique_ptr<ControlWrite> done(static_cast<ControlWrite*>(request->data));
                                if (done->close_after || status != 0) {
                                    done->session->close(status == 0 || status == UV_ECANCELED
                                                             ? "closed after final message"
                                                             : std::string("write error: ") + uv_strerror(status));
                                }
                            });
    if (rc != 0) {
        close(std::string("write error: ") + uv_strerror(rc));
        return;
    }
    write.release();  // owned by the request until its callback
}

void Session::send_heartbeat(Clock::time_point now) {
    last_sent_ = now;
    send_control(wire::encode_message(wire::MessageType::heartbeat, hub_.last_sequence(),
                                      static_cast<std::uint64_t>(wall_clock_us()),
                                      wire::encode_payload(hub_.heartbeat())),
                 false);
}

std::size_t Session::pending_write_bytes() const {
    return uv_stream_get_write_queue_size(socket_->stream());
}

void Session::tick(Clock::time_point now) {
    if (socket_->closed()) return;
    const auto& settings = hub_.viewer_settings();
    switch (state_) {
        case State::handshake:
            if (now - connected_at_ >= hub_.hello_timeout()) {
                reject(wire::Reason::hello_timeout,
                       "no complete hello within " + std::to_string(hub_.hello_timeout().count()) + "ms");
            }
            return;
        case State::closing:
            // A peer that never reads its goodbye must not hold the connection open.
            if (now - closing_since_ >= std::chrono::seconds(1)) close("final message not delivered");
            return;
        case State::streaming:
            progress_.observe(now, pending_write_bytes());
            if (progress_.stalled(now, settings.stall_timeout)) {
                hub_.count_stall();
                // No goodbye: the viewer is not reading. A reset frees the
                // kernel's copy of the unsent frames at once.
                close("stalled (no write progress for " + std::to_string(settings.stall_timeout.count()) + "ms)",
                      true);
                return;
            }
            if (!progress_.writing() && now - last_sent_ >= settings.heartbeat_interval) {
                send_heartbeat(now);
            }
            return;
    }
}

}  // namespace camstream
