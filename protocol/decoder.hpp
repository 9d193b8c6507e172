// Incremental decoders for the camstream v1 byte streams.
//
// Both decoders accept input split at any byte position: feed whatever arrived,
// and they consume what they can and keep their partial state. They never read
// past a malformed field: the first bad byte stops them with a reason.
#pragma once

#include "wire.hpp"

#include <cstdint>
#include <span>
#include <string>

namespace camstream::wire {

enum class DecodeStatus {
    need_more,  // all input consumed, the item is not complete yet
    item,       // one item is complete; input points past it
    error,      // malformed input; see error() and error_text()
};

// Server side: reads one ClientHello.
class ClientHelloDecoder {
public:
    // Consumes from the front of input, stopping right after the hello.
    DecodeStatus feed(std::span<const std::uint8_t>& input);

    const ClientHello& hello() const { return hello_; }
    Reason error() const { return error_; }
    const std::string& error_text() const { return error_text_; }

private:
    DecodeStatus fail(Reason reason, std::string text);

    std::uint8_t fixed_[kClientHelloFixedSize]{};
    std::size_t fixed_have_ = 0;
    std::size_t token_length_ = 0;
    ClientHello hello_;
    Reason error_ = Reason::none;
    std::string error_text_;
    bool done_ = false;
};

// Client side: reads the ServerHello, then messages until the connection ends.
class StreamDecoder {
public:
    // keep_payload = false lets load generators count frames without storing them.
    explicit StreamDecoder(bool keep_payload = true) : keep_payload_(keep_payload) {}

    // Consumes from the front of input until one item completes, or input runs out.
    DecodeStatus next(std::span<const std::uint8_t>& input);

    // Valid after next() returned item: which item it was, and its contents.
    bool item_is_server_hello() const { return item_is_hello_; }
    const ServerHello& server_hello() const { return server_hello_; }
    const MessageHeader& header() const { return header_; }
    const std::vector<std::uint8_t>& payload() const { return payload_; }

    Reason error() const { return error_; }
    const std::string& error_text() const { return error_text_; }

    // Bytes of memory the decoder holds for input (partial and complete items).
    // It grows with the bytes that arrived, not with the lengths the server declares.
    std::size_t buffered_capacity() const { return scratch_.capacity() + payload_.capacity(); }

private:
    enum class Stage { hello_fixed, hello_body, header, payload, failed };

    DecodeStatus fail(Reason reason, std::string text);
    // Moves bytes from input into scratch_ until it holds `want`; true when it does.
    bool gather(std::span<const std::uint8_t>& input, std::size_t want);
    DecodeStatus finish_hello_fixed();
    DecodeStatus finish_hello_body();
    DecodeStatus finish_header();
    // Appends payload bytes, growing the buffer by at most kPayloadGrowthLimit past them.
    void append_payload(std::span<const std::uint8_t> bytes);

    bool keep_payload_;
    Stage stage_ = Stage::hello_fixed;
    std::vector<std::uint8_t> scratch_;
    std::size_t payload_have_ = 0;
    bool item_is_hello_ = false;
    ServerHello server_hello_;
    MessageHeader header_;
    std::vector<std::uint8_t> payload_;
    Reason error_ = Reason::none;
    std::string error_text_;
};

}  // namespace camstream::wire
