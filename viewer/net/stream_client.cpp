// The receive thread: connection lifecycle, hello exchange, message dispatch and
// the reconnect loop (exponential backoff, started over only after a session that
// streamed fine for a while: see reconnect_backoff.hpp).
// Lifecycle events are logged to stderr here, once, whichever mode is running.
#include "net/stream_client.hpp"

#include "decoder.hpp"
#include "net/tcp_connection.hpp"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <vector>

namespace camstream::viewer {

namespace {

constexpr std::size_t kReceiveBufferSize = 64 * 1024;

std::string seconds_text(std::chrono::milliseconds duration) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1fs", static_cast<double>(duration.count()) / 1000.0);
    return text;
}

std::string reason_name(wire::Reason reason) {
    const auto name = wire::to_string(reason);
    if (name == "unknown reason") {
        return "unknown reason " + std::to_string(static_cast<unsigned>(reason));
    }
    return std::string(name);
}

// A full server may have room again soon and a stopping one may be restarting;
// every other rejection will not change by asking again.
bool is_busy(wire::Reason reason) {
    return reason == wire::Reason::server_full || reason == wire::Reason::shutting_down;
}

// Hands one message to the observer; returns why the session must end, if it must.
std::optional<std::string> deliver(const wire::StreamDecoder& decoder, StreamObserver& observer) {
    const auto& header = decoder.header();
    if (wire::is_reserved_type(static_cast<std::uint16_t>(header.type))) return std::nullopt;
    switch (header.type) {
        case wire::MessageType::video_frame:
            observer.on_frame(header, decoder.payload());
            return std::nullopt;
        case wire::MessageType::audio_packet: {
            const auto& opus = decoder.payload();
            if (opus.empty() || opus.size() > wire::kMaxAudioPacketLength) {
                return "protocol error: audio packet of " + std::to_string(opus.size()) + " bytes";
            }
            observer.on_audio(header, opus);
            return std::nullopt;
        }
        case wire::MessageType::heartbeat: {
            wire::Heartbeat heartbeat;
            if (!wire::parse_payload(decoder.payload(), heartbeat)) {
                return "protocol error: malformed heartbeat";
            }
            observer.on_heartbeat(heartbeat);
            return std::nullopt;
        }
        case wire::MessageType::goodbye: {
            wire::Goodbye goodbye;
            if (!wire::parse_payload(decoder.payload(), goodbye)) {
                return "protocol error: malformed goodbye";
            }
            auto reason = "server said goodbye: " + reason_name(goodbye.reason);
            if (!goodbye.text.empty()) reason += " (" + goodbye.text + ")";
            return reason;
        }
    }
    return std::nullopt;
}

}  // namespace

std::string describe_stream(const wire::StreamInfo& info) {
    char text[64];
    std::snprintf(text, sizeof text, "%ux%u at %.1f fps", unsigned{info.width},
                  unsigned{info.height}, static_cast<double>(info.fps_milli) / 1000.0);
    return text + (info.server_version.empty() ? "" : ", " + info.server_version);
}

std::string describe_rejection(const wire::ServerHello& hello) {
    auto text = reason_name(hello.status);
    if (!hello.reason_text.empty()) text += " (" + hello.reason_text + ")";
    return text;
}

struct StreamClient::SessionOutcome {
    std::string reason;  // why the session ended, for the user
    // How long valid messages kept arriving after the server accepted us: from
    // the ServerHello to the last message that decoded and made sense. Zero when
    // the session was never accepted.
    std::chrono::milliseconds streamed_for{0};
    bool final = false;  // a rejection that retrying would not change
};

StreamClient::StreamClient(StreamClientSettings settings, StreamObserver& observer)
    : settings_(std::move(settings)), observer_(observer) {}

StreamClient::~StreamClient() {
    stop();
    join();
}

void StreamClient::start() {
    thread_ = std::thread([this] { run(); });
}

void StreamClient::stop() {
    std::lock_guard lock(mutex_);
    stop_requested_ = true;
    if (active_connection_ != nullptr) active_connection_->interrupt();
    stop_signal_.notify_all();
}

void StreamClient::join() {
    if (thread_.joinable()) thread_.join();
}

bool StreamClient::stop_requested() {
    std::lock_guard lock(mutex_);
    return stop_requested_;
}

bool StreamClient::wait_before_retry(std::chrono::milliseconds delay) {
    std::unique_lock lock(mutex_);
    return !stop_signal_.wait_for(lock, delay, [this] { return stop_requested_; });
}

void StreamClient::run() {
    ReconnectBackoff backoff(settings_.backoff);
    std::uint64_t reconnects = 0;
    while (!stop_requested()) {
        const SessionOutcome outcome = run_session();
        if (outcome.final || stop_requested()) return;
        const auto delay = backoff.after_session(outcome.streamed_for);
        std::fprintf(stderr, "camview: disconnected: %s — reconnecting in %s\n",
                     outcome.reason.c_str(), seconds_text(delay).c_str());
        observer_.on_connection_lost(outcome.reason, delay);
        if (!wait_before_retry(delay)) return;
        observer_.on_reconnecting(++reconnects);
    }
}

StreamClient::SessionOutcome StreamClient::run_session() {
    auto connected = TcpConnection::connect(settings_.endpoint, settings_.link_timeout);
    if (!connected.connection) return {connected.error};
    TcpConnection& connection = *connected.connection;
    {
        // Registered under the lock so that a stop() either sees this connection
        // and wakes it, or happened before and is seen here.
        std::lock_guard lock(mutex_);
        if (stop_requested_) return {"stopped"};
        active_connection_ = &connection;
    }
    auto outcome = read_stream(connection);
    std::lock_guard lock(mutex_);
    active_connection_ = nullptr;
    return outcome;
}

StreamClient::SessionOutcome StreamClient::read_stream(TcpConnection& connection) {
    const wire::ClientHello hello{wire::kVersion, settings_.max_fps, settings_.audio,
                                  settings_.token};
    if (auto error = connection.send_all(wire::encode(hello))) return {*error};

    wire::StreamDecoder decoder;
    std::vector<std::uint8_t> buffer(kReceiveBufferSize);
    std::optional<std::chrono::steady_clock::time_point> accepted_at;
    std::chrono::steady_clock::time_point last_good_message_at{};
    const auto streamed_for = [&] {
        if (!accepted_at) return std::chrono::milliseconds{0};
        return std::chrono::duration_cast<std::chrono::milliseconds>(last_good_message_at -
                                                                     *accepted_at);
    };
    for (;;) {
        const auto received = connection.receive(buffer);
        switch (received.status) {
            case ReceiveResult::Status::data: break;
            case ReceiveResult::Status::closed:
                return {"connection closed by server", streamed_for()};
            case ReceiveResult::Status::timed_out:
                return {"no data for " + seconds_text(settings_.link_timeout), streamed_for()};
            case ReceiveResult::Status::failed: return {received.error, streamed_for()};
        }
        std::span<const std::uint8_t> input(buffer.data(), received.size);
        for (;;) {
            const auto status = decoder.next(input);
            if (status == wire::DecodeStatus::need_more) break;
            if (status == wire::DecodeStatus::error) {
                return {"protocol error: " + decoder.error_text(), streamed_for()};
            }
            if (!decoder.item_is_server_hello()) {
                if (auto end = deliver(decoder, observer_)) return {*end, streamed_for()};
                last_good_message_at = std::chrono::steady_clock::now();
                continue;
            }
            const auto& server_hello = decoder.server_hello();
            if (!server_hello.accepted()) {
                const bool retrying = settings_.retry_busy_server && is_busy(server_hello.status);
                std::fprintf(stderr, "camview: rejected by server: %s\n",
                             describe_rejection(server_hello).c_str());
                observer_.on_rejected(server_hello, retrying);
                return {"rejected by server: " + describe_rejection(server_hello),
                        std::chrono::milliseconds{0}, !retrying};
            }
            accepted_at = std::chrono::steady_clock::now();
            last_good_message_at = *accepted_at;
            std::fprintf(stderr, "camview: connected to %s (%s)\n",
                         to_string(settings_.endpoint).c_str(),
                         describe_stream(server_hello.info).c_str());
            observer_.on_accepted(server_hello.info);
        }
    }
}

}  // namespace camstream::viewer
