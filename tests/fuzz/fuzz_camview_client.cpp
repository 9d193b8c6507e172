// Fuzzes camview's receive path end to end: the real StreamClient (connect,
// hello, read loop, reconnect with backoff) over a real loopback socket, against
// a scripted server that sends the fuzz input, and the statistics headless mode
// keeps from what arrives (viewer/stats.cpp, fed the way headless.cpp feeds it:
// its recorder is private to headless.cpp and needs OpenCV for the pictures).
//
// Input: byte 0 is the script, the rest is what the server sends once it has
// read the client's hello. The script's bits:
//   0-2  the largest write (1, 2, 3, 8, 24, 25, 512 bytes, or all at once); the
//        writes are cut at input-derived points, with TCP_NODELAY, so the
//        client's reads end at arbitrary bytes;
//   3-4  how the server ends the last connection: close, half close (then it
//        waits for the client to hang up), reset, or stay open until the
//        harness stops the client from another thread;
//   5    the server takes two connections (the second gets the same bytes),
//        so the client reconnects once, after a 1 ms backoff;
//   6    retry_busy_server: "server full" and "shutting down" are retried;
//   7    the client sends a token and a frame-rate cap.
//
// Properties:
//  - the client's hello is the documented one, with its token and cap, and it
//    sends nothing after it (checked when the server half-closes);
//  - per connection, the observer hears an accept or a rejection first, never
//    a frame or heartbeat before the accept; a rejection has a non-zero status
//    and is retried exactly when it is "busy" and retrying was asked for;
//  - every frame's JPEG span is as long as its header's payload_length;
//  - what the client delivers is what a one-shot decode of the stream gives
//    (reserved types skipped, stopping at a rejection, goodbye or protocol
//    error), byte for byte; all of it when the session ended by the server's
//    doing, a prefix when it ended otherwise (a reset, a stop);
//  - the session ends for the documented reason, the backoff waits follow
//    the settings, reconnects are counted one by one;
//  - the client stops when asked, from a callback or from another thread, and
//    after a stop from a callback nothing more is called;
//  - it connects once per session and never after it was stopped: no
//    connection is left waiting on the server's listener;
//  - Stats: latency from any 64-bit timestamp is finite and equals the exact
//    difference saturated at the most negative 64-bit count (no overflow, which
//    UBSan would also catch), sequence gaps, resets and discontinuities follow
//    docs/PROTOCOL.md section 9, percentiles are ordered;
//  - no iteration hangs: a watchdog reports any phase that takes over 5 s.
#include "decoder.hpp"
#include "fuzz_support.hpp"
#include "stats.hpp"
#include "net/stream_client.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <optional>
#include <thread>
#include <utility>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/time.h>

using namespace camstream;
using namespace std::chrono_literals;
using camstream::fuzz::hex;

namespace {

using Clock = std::chrono::steady_clock;

// ---------------------------------------------------------------- the script

enum class Ending { close, half_close, reset, stay_open };

struct Script {
    std::size_t largest_write = 0;  // 0 = everything in one write
    Ending ending = Ending::close;
    int connections = 1;
    bool retry_busy_server = false;
    std::string token;
    std::uint16_t max_fps = 0;
};

Script read_script(std::uint8_t byte) {
    static constexpr std::size_t kLargestWrites[] = {1, 2, 3, 8, 24, 25, 512, 0};
    Script script;
    script.largest_write = kLargestWrites[byte & 7];
    script.ending = static_cast<Ending>((byte >> 3) & 3);
    script.connections = (byte & 0x20) ? 2 : 1;
    script.retry_busy_server = (byte & 0x40) != 0;
    if (byte & 0x80) {
        script.token = "fuzz-token";
        script.max_fps = 15;
    }
    return script;
}

const char* to_string(Ending ending) {
    switch (ending) {
        case Ending::close: return "close";
        case Ending::half_close: return "half close";
        case Ending::reset: return "reset";
        case Ending::stay_open: return "stay open";
    }
    return "?";
}

// ------------------------------------------------- what the client must deliver

struct Event {
    enum class Kind { accepted, rejected, frame, heartbeat } kind = Kind::accepted;
    std::uint64_t sequence = 0;
    std::uint64_t timestamp_us = 0;
    std::uint64_t length = 0;
    std::uint64_t payload_hash = 0;
    unsigned detail = 0;  // rejection status, heartbeat state

    bool operator==(const Event&) const = default;
};

std::string describe(const Event& event) {
    switch (event.kind) {
        case Event::Kind::accepted: return "accepted";
        case Event::Kind::rejected: return "rejected " + std::to_string(event.detail);
        case Event::Kind::frame:
            return "frame " + std::to_string(event.sequence) + " at " +
                   std::to_string(event.timestamp_us) + ", " + std::to_string(event.length) +
                   " bytes";
        case Event::Kind::heartbeat:
            return "heartbeat " + std::to_string(event.sequence) + " state " +
                   std::to_string(event.detail);
    }
    return "?";
}

std::string describe(const std::vector<Event>& events) {
    std::string text = std::to_string(events.size()) + " events";
    for (std::size_t i = 0; i < events.size() && i < 12; ++i) text += "\n      " + describe(events[i]);
    if (events.size() > 12) text += "\n      ...";
    return text;
}

Event frame_event(const wire::MessageHeader& header, std::span<const std::uint8_t> payload) {
    return {Event::Kind::frame, header.sequence, header.timestamp_us, payload.size(),
            fuzz::hash(payload, 0), 0};
}

// How a session ends when the client has read everything the server sent.
enum class End { ran_out, protocol_error, goodbye, rejected };

struct Expected {
    std::vector<Event> events;
    End end = End::ran_out;
    wire::Reason rejection = wire::Reason::none;
};

// docs/PROTOCOL.md sections 4 and 9, from a one-shot decode of what the server sends.
Expected expected_from(std::span<const std::uint8_t> stream) {
    Expected expected;
    wire::StreamDecoder decoder;
    for (;;) {
        const auto status = decoder.next(stream);
        if (status == wire::DecodeStatus::need_more) return expected;
        if (status == wire::DecodeStatus::error) {
            expected.end = End::protocol_error;
            return expected;
        }
        if (decoder.item_is_server_hello()) {
            const auto& hello = decoder.server_hello();
            if (!hello.accepted()) {
                expected.events.push_back({Event::Kind::rejected, 0, 0, 0, 0,
                                           static_cast<unsigned>(hello.status)});
                expected.end = End::rejected;
                expected.rejection = hello.status;
                return expected;
            }
            expected.events.push_back({Event::Kind::accepted});
            continue;
        }
        const auto& header = decoder.header();
        if (wire::is_reserved_type(static_cast<std::uint16_t>(header.type))) continue;
        switch (header.type) {
            case wire::MessageType::video_frame:
                expected.events.push_back(frame_event(header, decoder.payload()));
                break;
            case wire::MessageType::audio_packet:
                // Played, not reported to the observer; a packet of no Opus shape ends the stream.
                if (decoder.payload().empty() || decoder.payload().size() > wire::kMaxAudioPacketLength) {
                    expected.end = End::protocol_error;
                    return expected;
                }
                break;
            case wire::MessageType::heartbeat: {
                wire::Heartbeat heartbeat;
                if (!wire::parse_payload(decoder.payload(), heartbeat)) {
                    expected.end = End::protocol_error;
                    return expected;
                }
                expected.events.push_back({Event::Kind::heartbeat, header.sequence,
                                           header.timestamp_us, 0, 0,
                                           static_cast<unsigned>(heartbeat.state)});
                break;
            }
            case wire::MessageType::goodbye: {
                wire::Goodbye goodbye;
                expected.end = wire::parse_payload(decoder.payload(), goodbye) ? End::goodbye
                                                                              : End::protocol_error;
                return expected;
            }
        }
    }
}

// ----------------------------------------------------------------- watchdog

// Every wait in an iteration is bounded, but a bug in the client could still
// block a join forever; libFuzzer's -timeout would catch that only after 10 s
// and without saying where. The watchdog says which phase hung.
class Watchdog {
public:
    static Watchdog& instance() {
        static Watchdog* watchdog = new Watchdog;  // lives until exit, with its thread
        return *watchdog;
    }

    void arm(const char* phase) {
        phase_.store(phase);
        deadline_.store((Clock::now() + kLimit).time_since_epoch().count());
    }
    void disarm() { deadline_.store(0); }

private:
    static constexpr auto kLimit = 5s;

    Watchdog() {
        std::thread([this] {
            for (;;) {
                std::this_thread::sleep_for(50ms);
                const auto deadline = deadline_.load();
                if (deadline != 0 && Clock::now().time_since_epoch().count() > deadline) {
                    fuzz::fail(__FILE__, __LINE__,
                               std::string("an iteration hung for over 5 s in: ") + phase_.load());
                }
            }
        }).detach();
    }

    std::atomic<Clock::rep> deadline_{0};
    std::atomic<const char*> phase_{""};
};

// --------------------------------------------------------------- the server

class Fd {
public:
    explicit Fd(int fd = -1) : fd_(fd) {}
    Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    Fd& operator=(Fd&&) = delete;
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    int get() const { return fd_; }

private:
    int fd_;
};

void set_timeouts(int fd, std::chrono::milliseconds timeout) {
    const timeval limit{static_cast<time_t>(timeout.count() / 1000),
                        static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
}

// One listening socket on 127.0.0.1 and an ephemeral port for the whole run,
// with an eventfd that wakes a server waiting for a connection the client will
// not make. (A listener per input would be simpler, but once thousands of
// connections had come and gone, bind() to port 0 took about 4 ms a call: most
// of each input's time.) Nothing carries over from one input to the next: at
// the end of each, no connection may be left waiting to be accepted, and the
// wake-up is consumed.
class Loopback {
public:
    static Loopback& instance() {
        static Loopback* loopback = new Loopback;  // lives until exit
        return *loopback;
    }

    int listener() const { return listener_.get(); }
    int wake() const { return wake_.get(); }
    std::uint16_t port() const { return port_; }

    void wake_server() {
        const std::uint64_t one = 1;
        [[maybe_unused]] const auto written = ::write(wake_.get(), &one, sizeof one);
    }

    // Called once the client is joined. Returns how many connections were left
    // unaccepted (closing them), and resets the wake-up.
    int end_input() {
        std::uint64_t count = 0;
        [[maybe_unused]] const auto read = ::read(wake_.get(), &count, sizeof count);
        int left = 0;
        for (;;) {
            Fd connection(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
            if (connection.get() < 0) return left;
            ++left;
        }
    }

private:
    Loopback() : listener_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)),
                 wake_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
        FUZZ_CHECK(listener_.get() >= 0 && wake_.get() >= 0,
                   std::string("socket or eventfd: ") + std::strerror(errno));
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        address.sin_port = 0;
        FUZZ_CHECK(::bind(listener_.get(), reinterpret_cast<const sockaddr*>(&address),
                          sizeof address) == 0,
                   std::string("bind: ") + std::strerror(errno));
        FUZZ_CHECK(::listen(listener_.get(), 8) == 0, std::string("listen: ") + std::strerror(errno));
        socklen_t length = sizeof address;
        ::getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&address), &length);
        port_ = ntohs(address.sin_port);
    }

    Fd listener_;
    Fd wake_;
    std::uint16_t port_ = 0;
};

// The scripted server: accepts up to script.connections connections, reads the
// client's hello from each, writes the stream in pieces and ends the connection
// the way the script says (the ones before the last just close). It runs on the
// main thread, the client on its own: one thread fewer to start per input.
class ScriptedServer {
public:
    ScriptedServer(Loopback& loopback, const Script& script, std::span<const std::uint8_t> stream)
        : loopback_(loopback), script_(script), stream_(stream) {
        if (script.largest_write == 0) {
            if (!stream.empty()) writes_.push_back(stream.size());
        } else {
            for (const auto size : fuzz::chunk_sizes(stream, 7, script.largest_write)) {
                if (size > 0) writes_.push_back(size);
            }
        }
    }

    // `client` is stopped from here when the script says the server stays open.
    void run(viewer::StreamClient& client) {
        auto& watchdog = Watchdog::instance();
        for (int connection = 0; connection < script_.connections; ++connection) {
            watchdog.arm(connection == 0 ? "serving the first connection"
                                         : "serving the second connection");
            // The observer wakes this poll when the client has finished on its
            // own; the timeout only bounds a lost wake-up.
            pollfd ready[2] = {{loopback_.listener(), POLLIN, 0}, {loopback_.wake(), POLLIN, 0}};
            int polled = 0;
            do {
                polled = ::poll(ready, 2, 3000);
            } while (polled < 0 && errno == EINTR);
            if (polled <= 0 || (ready[1].revents & POLLIN) != 0) break;
            int accepted = -1;
            do {
                accepted = ::accept4(loopback_.listener(), nullptr, nullptr, SOCK_CLOEXEC);
            } while (accepted < 0 && errno == EINTR);
            Fd fd(accepted);
            if (fd.get() < 0) break;
            ++accepted_;
            const bool last = connection + 1 == script_.connections;
            serve(fd.get(), last ? script_.ending : Ending::close, client);
        }
    }

    int accepted() const { return accepted_; }
    // Why a client hello was not the documented one, if one was not.
    const std::optional<std::string>& hello_problem() const { return hello_problem_; }

private:
    void serve(int fd, Ending ending, viewer::StreamClient& client) {
        set_timeouts(fd, 2000ms);
        const int on = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
        read_hello(fd);

        std::size_t offset = 0;
        for (const auto size : writes_) {
            if (!send_all(fd, stream_.subspan(offset, size))) break;  // the client hung up
            offset += size;
        }
        switch (ending) {
            case Ending::close: break;
            case Ending::half_close:
                ::shutdown(fd, SHUT_WR);
                wait_for_hang_up(fd, true);
                break;
            case Ending::reset: {
                const linger abort_on_close{1, 0};
                ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof abort_on_close);
                break;
            }
            case Ending::stay_open:
                // Stopped from another thread, in the middle of a session.
                client.stop();
                wait_for_hang_up(fd, false);
                break;
        }
    }

    void read_hello(int fd) {
        wire::ClientHelloDecoder decoder;
        std::uint8_t buffer[512];
        for (;;) {
            const auto received = ::recv(fd, buffer, sizeof buffer, 0);
            if (received <= 0) {
                if (received < 0 && errno == EINTR) continue;
                note_hello_problem(received == 0 ? "the client hung up before its hello was complete"
                                                 : "no complete hello within 2 s");
                return;
            }
            std::span<const std::uint8_t> input(buffer, static_cast<std::size_t>(received));
            const auto status = decoder.feed(input);
            if (status == wire::DecodeStatus::need_more) continue;
            if (status == wire::DecodeStatus::error) {
                note_hello_problem("the client's hello does not decode: " + decoder.error_text());
                return;
            }
            const auto& hello = decoder.hello();
            if (hello.version != wire::kVersion || hello.max_fps != script_.max_fps ||
                hello.token != script_.token) {
                note_hello_problem("the client's hello says version " +
                                   std::to_string(hello.version) + ", max_fps " +
                                   std::to_string(hello.max_fps) + ", token '" + hello.token + "'");
            }
            if (!input.empty()) note_hello_problem("bytes after the client's hello: " + hex(input));
            return;
        }
    }

    // Reads until the client closes (bounded by the socket's timeout). After a
    // half close the client has nothing to send: any byte is a finding.
    void wait_for_hang_up(int fd, bool expect_silence) {
        std::uint8_t buffer[512];
        for (;;) {
            const auto received = ::recv(fd, buffer, sizeof buffer, 0);
            if (received < 0 && errno == EINTR) continue;
            if (received <= 0) return;
            if (expect_silence) {
                note_hello_problem(
                    "bytes after the client's hello: " +
                    hex(std::span<const std::uint8_t>(buffer, static_cast<std::size_t>(received))));
            }
        }
    }

    static bool send_all(int fd, std::span<const std::uint8_t> bytes) {
        while (!bytes.empty()) {
            const auto sent = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
            if (sent < 0 && errno == EINTR) continue;
            if (sent <= 0) return false;
            bytes = bytes.subspan(static_cast<std::size_t>(sent));
        }
        return true;
    }

    void note_hello_problem(std::string problem) {
        if (!hello_problem_) hello_problem_ = std::move(problem);
    }

    Loopback& loopback_;
    const Script& script_;
    const std::span<const std::uint8_t> stream_;
    std::vector<std::size_t> writes_;
    int accepted_ = 0;
    std::optional<std::string> hello_problem_;
};

// ----------------------------------------------------------------- the stats

// What headless mode keeps per frame, checked against docs/PROTOCOL.md section 9.
class StatsUnderTest {
public:
    explicit StatsUnderTest(Clock::time_point start) : rate_(start) {}

    void record(const wire::MessageHeader& header) {
        const double latency = viewer::latency_ms_since(header.timestamp_us);
        FUZZ_CHECK(!std::isnan(latency), "latency is NaN for timestamp " +
                                             std::to_string(header.timestamp_us));
        latencies_ms_.push_back(latency);
        check_latency_between(header.timestamp_us);

        gaps_.record(header.sequence);
        model_record(header.sequence);
        FUZZ_CHECK(gaps_.missing() == missing_ && gaps_.resets() == resets_ &&
                       gaps_.discontinuities() == discontinuities_,
                   "after sequence " + std::to_string(header.sequence) + " Stats counts " +
                       std::to_string(gaps_.missing()) + " missing, " +
                       std::to_string(gaps_.resets()) + " resets, " +
                       std::to_string(gaps_.discontinuities()) + " discontinuities; section 9 says " +
                       std::to_string(missing_) + ", " + std::to_string(resets_) + ", " +
                       std::to_string(discontinuities_));
        rate_.count();
    }

    // What the summary line reports at the end of a run.
    void summarise() {
        const auto latency = viewer::percentiles(latencies_ms_);
        FUZZ_CHECK(latency.has_value() == !latencies_ms_.empty(),
                   "percentiles must exist exactly when frames arrived");
        if (latency) {
            FUZZ_CHECK(latency->p50 <= latency->p90 && latency->p90 <= latency->p99 &&
                           latency->p99 <= latency->max,
                       "percentiles out of order");
            FUZZ_CHECK(latency->max == *std::max_element(latencies_ms_.begin(), latencies_ms_.end()),
                       "the maximum latency is not the largest sample");
        }
        const double fps = rate_.close_window(Clock::now() + 1ms);
        FUZZ_CHECK(std::isfinite(fps) && fps >= 0, "frame rate " + std::to_string(fps));
    }

private:
    // latency_ms_between must give the exact difference now - timestamp,
    // saturated at the most negative signed 64-bit count, for any timestamp.
    static void check_latency_between(std::uint64_t timestamp_us) {
        constexpr std::int64_t kNows[] = {0, 1'700'000'000'000'000,
                                          std::numeric_limits<std::int64_t>::max()};
        for (const auto now_us : kNows) {
            const double latency = viewer::latency_ms_between(timestamp_us, now_us);
            const long double exact = static_cast<long double>(now_us) -
                                      static_cast<long double>(timestamp_us);
            const long double floor =
                static_cast<long double>(std::numeric_limits<std::int64_t>::min());
            const long double want = std::max(exact, floor) / 1000.0L;
            const long double error = std::fabs(static_cast<long double>(latency) - want);
            FUZZ_CHECK(std::isfinite(latency) && error <= std::fabs(want) * 1e-12L + 1e-9L,
                       "latency_ms_between(" + std::to_string(timestamp_us) + ", " +
                           std::to_string(now_us) + ") = " + std::to_string(latency) +
                           " ms, expected " + std::to_string(static_cast<double>(want)));
        }
    }

    void model_record(std::uint64_t sequence) {
        if (previous_) {
            if (sequence <= *previous_) {
                ++resets_;
            } else if (sequence - *previous_ - 1 > viewer::SequenceGapCounter::kMaxSequenceGap) {
                ++discontinuities_;
            } else {
                const std::uint64_t gap = sequence - *previous_ - 1;
                const std::uint64_t room = std::numeric_limits<std::uint64_t>::max() - missing_;
                missing_ = gap > room ? std::numeric_limits<std::uint64_t>::max() : missing_ + gap;
            }
        }
        previous_ = sequence;
    }

    std::vector<double> latencies_ms_;
    viewer::SequenceGapCounter gaps_;
    viewer::RateMeter rate_;
    std::optional<std::uint64_t> previous_;
    std::uint64_t missing_ = 0;
    std::uint64_t resets_ = 0;
    std::uint64_t discontinuities_ = 0;
};

// -------------------------------------------------------------- the observer

const viewer::ReconnectBackoffSettings kBackoff{1ms, 2ms, 10s};

bool is_busy(wire::Reason reason) {
    return reason == wire::Reason::server_full || reason == wire::Reason::shutting_down;
}

bool starts_with(const std::string& text, std::string_view prefix) {
    return text.compare(0, prefix.size(), prefix) == 0;
}

// Runs on the receive thread; the main thread reads it only after join().
class CheckingObserver final : public viewer::StreamObserver {
public:
    CheckingObserver(const Script& script, const Expected& expected, Loopback& loopback)
        : script_(script), expected_(expected), loopback_(loopback), stats_(Clock::now()) {}

    void attach(viewer::StreamClient& client) { client_ = &client; }

    void on_accepted(const wire::StreamInfo& info) override {
        check_not_stopped("on_accepted");
        FUZZ_CHECK(session_.empty(), "on_accepted after " + describe(session_));
        FUZZ_CHECK(info.codec == wire::Codec::jpeg, "accepted a stream that is not JPEG");
        (void)viewer::describe_stream(info);
        session_.push_back({Event::Kind::accepted});
        check_prefix();
    }

    void on_frame(const wire::MessageHeader& header, std::span<const std::uint8_t> jpeg) override {
        check_not_stopped("on_frame");
        FUZZ_CHECK(accepted(), "a frame before on_accepted");
        FUZZ_CHECK(header.type == wire::MessageType::video_frame,
                   "on_frame for message type " + std::to_string(static_cast<int>(header.type)));
        FUZZ_CHECK(jpeg.size() == header.payload_length,
                   "the jpeg span has " + std::to_string(jpeg.size()) +
                       " bytes, the header's payload_length says " +
                       std::to_string(header.payload_length));
        FUZZ_CHECK(jpeg.size() <= wire::kMaxPayloadLength, "a frame over 16 MiB");
        session_.push_back(frame_event(header, jpeg));
        check_prefix();
        stats_.record(header);
    }

    void on_heartbeat(const wire::Heartbeat& heartbeat) override {
        check_not_stopped("on_heartbeat");
        FUZZ_CHECK(accepted(), "a heartbeat before on_accepted");
        FUZZ_CHECK(static_cast<unsigned>(heartbeat.state) <= 2, "heartbeat state out of range");
        (void)wire::to_string(heartbeat.state);
        // The header is not passed on: compare what is, with the expected event.
        const std::size_t at = session_.size();
        Event event{Event::Kind::heartbeat, 0, 0, 0, 0, static_cast<unsigned>(heartbeat.state)};
        if (at < expected_.events.size() && expected_.events[at].kind == Event::Kind::heartbeat) {
            event.sequence = expected_.events[at].sequence;
            event.timestamp_us = expected_.events[at].timestamp_us;
        }
        session_.push_back(event);
        check_prefix();
    }

    void on_rejected(const wire::ServerHello& hello, bool retrying) override {
        check_not_stopped("on_rejected");
        FUZZ_CHECK(!hello.accepted(), "on_rejected with status 0 (accepted)");
        FUZZ_CHECK(session_.empty(), "on_rejected after " + describe(session_));
        FUZZ_CHECK(retrying == (script_.retry_busy_server && is_busy(hello.status)),
                   "on_rejected(status " + std::to_string(static_cast<int>(hello.status)) +
                       ", retrying " + (retrying ? "true" : "false") + ") with retry_busy_server " +
                       (script_.retry_busy_server ? "true" : "false"));
        (void)viewer::describe_rejection(hello);
        session_.push_back({Event::Kind::rejected, 0, 0, 0, 0, static_cast<unsigned>(hello.status)});
        FUZZ_CHECK(session_ == expected_.events,
                   "the rejection ends a session that delivered " + describe(session_) +
                       "\n    instead of " + describe(expected_.events));
        rejected_in_session_ = true;
        if (!retrying) {
            finished_by_itself_ = true;
            loopback_.wake_server();
        }
    }

    void on_connection_lost(const std::string& reason,
                            std::chrono::milliseconds retry_in) override {
        check_not_stopped("on_connection_lost");
        FUZZ_CHECK(!reason.empty(), "a connection lost without a reason");
        ++losses_;
        const auto backoff = std::min(kBackoff.first * (1 << std::min(losses_ - 1, 20)), kBackoff.max);
        FUZZ_CHECK(retry_in == backoff, "connection loss " + std::to_string(losses_) +
                                            " waits " + std::to_string(retry_in.count()) +
                                            " ms instead of " + std::to_string(backoff.count()));
        end_session(reason);
        // The server takes script.connections connections; then the client is done.
        if (losses_ >= script_.connections) {
            stopped_by_observer_ = true;
            client_->stop();
            loopback_.wake_server();
        }
    }

    void on_reconnecting(std::uint64_t reconnects) override {
        check_not_stopped("on_reconnecting");
        FUZZ_CHECK(reconnects == static_cast<std::uint64_t>(losses_),
                   "on_reconnecting(" + std::to_string(reconnects) + ") after " +
                       std::to_string(losses_) + " connection losses");
    }

    // After join: the session in progress when the harness stopped the client.
    void finish() {
        if (!finished_by_itself_ && !stopped_by_observer_) end_session({});
        stats_.summarise();
    }

    bool finished_by_itself() const { return finished_by_itself_; }
    int losses() const { return losses_; }

private:
    bool accepted() const { return !session_.empty() && session_[0].kind == Event::Kind::accepted; }

    void check_not_stopped(const char* callback) {
        FUZZ_CHECK(!stopped_by_observer_ && !finished_by_itself_,
                   std::string(callback) + " after the client was stopped from a callback or " +
                       "rejected for good");
    }

    void check_prefix() {
        const auto& want = expected_.events;
        const bool prefix = session_.size() <= want.size() &&
                            std::equal(session_.begin(), session_.end(), want.begin());
        FUZZ_CHECK(prefix, "the client delivered " + describe(session_) +
                               "\n    where the stream holds " + describe(want));
    }

    // A session ended with `reason` ("" when the harness stopped the client).
    // When the server caused the end (it closed, said goodbye, sent a broken
    // message or rejected us) the client must have delivered everything and
    // give the matching reason; other ends (a reset, a timeout, a stop) may
    // come before all of it was read.
    void end_session(const std::string& reason) {
        const bool server_ended_it = script_.ending == Ending::close ||
                                     script_.ending == Ending::half_close ||
                                     losses_ < script_.connections;
        std::optional<End> end;
        if (reason == "connection closed by server") {
            end = End::ran_out;
        } else if (starts_with(reason, "protocol error: ")) {
            end = End::protocol_error;
        } else if (starts_with(reason, "server said goodbye: ")) {
            end = End::goodbye;
        } else if (starts_with(reason, "rejected by server: ")) {
            end = End::rejected;
            FUZZ_CHECK(rejected_in_session_, "'" + reason + "' without on_rejected");
        }
        // Reading everything a reset or a stop left behind is possible but not
        // required; any other ending must be the stream's own, in full.
        if (end && (server_ended_it || *end != End::ran_out)) {
            FUZZ_CHECK(*end == expected_.end && session_ == expected_.events,
                       "the session ended with '" + reason + "' after " + describe(session_) +
                           "\n    but the stream holds " + describe(expected_.events) +
                           "\n    and ends with " + std::to_string(static_cast<int>(expected_.end)) +
                           " (0 ran out, 1 protocol error, 2 goodbye, 3 rejected)");
        }
        session_.clear();
        rejected_in_session_ = false;
    }

    const Script& script_;
    const Expected& expected_;
    Loopback& loopback_;
    viewer::StreamClient* client_ = nullptr;
    std::vector<Event> session_;  // what this connection delivered so far
    bool rejected_in_session_ = false;
    int losses_ = 0;
    bool stopped_by_observer_ = false;
    bool finished_by_itself_ = false;
    StatsUnderTest stats_;
};

// StreamClient logs every connect, rejection and disconnect to stderr: a few
// lines per input, millions per run, burying libFuzzer's own output. The stderr
// stream is pointed at /dev/null; libFuzzer keeps its own handle to the real
// one, the sanitizers and fuzz::fail() write to file descriptor 2 directly.
void quiet_the_client_log() {
    if (std::FILE* null = std::fopen("/dev/null", "w")) stderr = null;
}

// libFuzzer's -timeout raises SIGALRM every second, on whichever thread does
// not block it. camview installs no signal handlers, so its receive thread never
// sees EINTR; here it would, and StreamClient's connect() takes an interrupted
// connect for a failed one (leaving a connection the server never serves). The
// client's thread inherits this thread's mask, with SIGALRM blocked.
void start_without_alarms(viewer::StreamClient& client) {
    sigset_t alarm_only;
    sigemptyset(&alarm_only);
    sigaddset(&alarm_only, SIGALRM);
    sigset_t previous;
    pthread_sigmask(SIG_BLOCK, &alarm_only, &previous);
    client.start();
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    quiet_the_client_log();
    Watchdog::instance();
    Loopback::instance();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
    const std::span<const std::uint8_t> data(bytes, size);
    const Script script = read_script(data.empty() ? 0 : data[0]);
    const auto stream = data.empty() ? data : data.subspan(1);
    const Expected expected = expected_from(stream);
    auto& watchdog = Watchdog::instance();

    auto& loopback = Loopback::instance();
    ScriptedServer server(loopback, script, stream);

    viewer::StreamClientSettings settings;
    settings.endpoint = {"127.0.0.1", loopback.port()};
    settings.token = script.token;
    settings.max_fps = script.max_fps;
    // Long enough that a loaded machine does not end sessions early, short
    // enough that the watchdog never fires because of it.
    settings.link_timeout = 1000ms;
    settings.backoff = kBackoff;
    settings.retry_busy_server = script.retry_busy_server;

    CheckingObserver observer(script, expected, loopback);
    {
        viewer::StreamClient client(settings, observer);
        observer.attach(client);
        start_without_alarms(client);
        server.run(client);
        watchdog.arm(script.ending == Ending::stay_open
                         ? "joining the client after stop() from the main thread"
                         : "joining the client (it stops itself after the last connection)");
        client.join();
    }
    watchdog.disarm();
    const int unaccepted = loopback.end_input();
    FUZZ_CHECK(unaccepted == 0, std::to_string(unaccepted) + " connection(s) beyond the " +
                                    std::to_string(script.connections) +
                                    " the client should make (after it was stopped?)");

    observer.finish();
    if (server.hello_problem()) {
        fuzz::fail(__FILE__, __LINE__, *server.hello_problem() + " (script: " +
                                           to_string(script.ending) + ")");
    }
    FUZZ_CHECK(server.accepted() >= 1, "the client never connected");
    return 0;
}
