// Incremental decoders: ClientHello (server side) and the server stream (client side).
#include "decoder.hpp"

#include <algorithm>

namespace camstream::wire {

namespace {

// A header may declare up to 16 MiB, and costs its sender 24 bytes. Reserving the
// declared length at once would let a hostile server take 16 MiB of a viewer's
// memory per header, so the payload buffer grows only with what has arrived:
// doubling while small (few copies for ordinary frames), then in steps of at
// most this much.
constexpr std::size_t kPayloadGrowthLimit = 1024 * 1024;

}  // namespace

DecodeStatus ClientHelloDecoder::fail(Reason reason, std::string text) {
    error_ = reason;
    error_text_ = std::move(text);
    return DecodeStatus::error;
}

DecodeStatus ClientHelloDecoder::feed(std::span<const std::uint8_t>& input) {
    if (error_ != Reason::none) return DecodeStatus::error;
    if (done_) return DecodeStatus::item;

    // The fixed part is checked byte by byte so garbage is refused at its first
    // wrong byte instead of after the server has waited for twelve of them.
    while (fixed_have_ < kClientHelloFixedSize && !input.empty()) {
        const std::size_t at = fixed_have_;
        fixed_[fixed_have_++] = input.front();
        input = input.subspan(1);
        if (at < kMagic.size() && fixed_[at] != kMagic[at]) {
            return fail(Reason::bad_magic, "hello does not start with CSTM");
        }
        if (at == 5) {
            const auto version = load_be16(&fixed_[4]);
            if (version != kVersion) {
                return fail(Reason::unsupported_version,
                            "client speaks version " + std::to_string(version) +
                                ", server speaks " + std::to_string(kVersion));
            }
            hello_.version = version;
        }
        if (at == 9) {
            const auto flags = load_be16(&fixed_[8]);
            if ((flags & ~kHelloFlagAudio) != 0) {
                return fail(Reason::malformed, "unknown hello flags " + std::to_string(flags));
            }
            hello_.audio = (flags & kHelloFlagAudio) != 0;
        }
        if (at == 11) {
            hello_.max_fps = load_be16(&fixed_[6]);
            token_length_ = load_be16(&fixed_[10]);
            if (token_length_ > kMaxTokenLength) {
                return fail(Reason::malformed, "token length " + std::to_string(token_length_) +
                                                   " exceeds " + std::to_string(kMaxTokenLength));
            }
        }
    }
    if (fixed_have_ < kClientHelloFixedSize) return DecodeStatus::need_more;

    const std::size_t take = std::min(token_length_ - hello_.token.size(), input.size());
    hello_.token.append(input.begin(), input.begin() + static_cast<std::ptrdiff_t>(take));
    input = input.subspan(take);
    if (hello_.token.size() < token_length_) return DecodeStatus::need_more;
    done_ = true;
    return DecodeStatus::item;
}

DecodeStatus StreamDecoder::fail(Reason reason, std::string text) {
    stage_ = Stage::failed;
    error_ = reason;
    error_text_ = std::move(text);
    return DecodeStatus::error;
}

bool StreamDecoder::gather(std::span<const std::uint8_t>& input, std::size_t want) {
    const std::size_t take = std::min(want - scratch_.size(), input.size());
    scratch_.insert(scratch_.end(), input.begin(), input.begin() + static_cast<std::ptrdiff_t>(take));
    input = input.subspan(take);
    return scratch_.size() == want;
}

DecodeStatus StreamDecoder::finish_hello_fixed() {
    if (!std::equal(kMagic.begin(), kMagic.end(), scratch_.begin())) {
        return fail(Reason::bad_magic, "server hello does not start with CSTM");
    }
    const auto version = load_be16(&scratch_[4]);
    if (version != kVersion) {
        return fail(Reason::unsupported_version, "server speaks version " + std::to_string(version));
    }
    server_hello_.status = static_cast<Reason>(load_be16(&scratch_[6]));
    const std::size_t body_length = load_be16(&scratch_[8]);
    if (body_length > kMaxServerHelloBody) {
        return fail(Reason::malformed, "server hello body of " + std::to_string(body_length) +
                                           " bytes exceeds " + std::to_string(kMaxServerHelloBody));
    }
    if (server_hello_.accepted() && body_length < kStreamInfoFixedSize) {
        return fail(Reason::malformed, "stream info is shorter than 12 bytes");
    }
    scratch_.clear();
    scratch_.reserve(body_length);
    stage_ = Stage::hello_body;
    // Remember the body length in the header slot until the body is complete.
    header_.payload_length = static_cast<std::uint32_t>(body_length);
    return DecodeStatus::need_more;
}

DecodeStatus StreamDecoder::finish_hello_body() {
    if (server_hello_.accepted()) {
        auto& info = server_hello_.info;
        info.width = load_be16(&scratch_[0]);
        info.height = load_be16(&scratch_[2]);
        info.fps_milli = load_be32(&scratch_[4]);
        if (scratch_[8] != static_cast<std::uint8_t>(Codec::jpeg)) {
            return fail(Reason::malformed, "unknown codec " + std::to_string(scratch_[8]));
        }
        info.codec = Codec::jpeg;
        // A server before audio sent zeros here; channels only mean something with a codec.
        if (scratch_[9] > static_cast<std::uint8_t>(AudioCodec::opus) ||
            (scratch_[9] == static_cast<std::uint8_t>(AudioCodec::opus) && (scratch_[10] < 1 || scratch_[10] > 2))) {
            return fail(Reason::malformed, "unknown audio codec " + std::to_string(scratch_[9]) + " with " +
                                               std::to_string(scratch_[10]) + " channels");
        }
        info.audio_codec = static_cast<AudioCodec>(scratch_[9]);
        info.audio_channels = info.audio_codec == AudioCodec::none ? 0 : scratch_[10];
        info.server_version.assign(scratch_.begin() + kStreamInfoFixedSize, scratch_.end());
    } else {
        server_hello_.reason_text.assign(scratch_.begin(), scratch_.end());
    }
    scratch_.clear();
    header_ = {};
    item_is_hello_ = true;
    stage_ = server_hello_.accepted() ? Stage::header : Stage::failed;
    return DecodeStatus::item;
}

DecodeStatus StreamDecoder::finish_header() {
    const auto type = load_be16(&scratch_[0]);
    header_.flags = load_be16(&scratch_[2]);
    header_.payload_length = load_be32(&scratch_[4]);
    header_.sequence = load_be64(&scratch_[8]);
    header_.timestamp_us = load_be64(&scratch_[16]);
    scratch_.clear();
    const bool known = (type >= 1 && type <= 3) || type == static_cast<std::uint16_t>(MessageType::audio_packet);
    if (!known && !is_reserved_type(type)) {
        return fail(Reason::malformed, "unknown message type " + std::to_string(type));
    }
    if (header_.payload_length > kMaxPayloadLength) {
        return fail(Reason::malformed, "payload of " + std::to_string(header_.payload_length) +
                                           " bytes exceeds the 16 MiB limit");
    }
    header_.type = static_cast<MessageType>(type);
    // The buffer keeps the capacity earned by earlier frames; nothing is reserved
    // for this one until its bytes arrive (append_payload).
    payload_.clear();
    payload_have_ = 0;
    stage_ = Stage::payload;
    return DecodeStatus::need_more;
}

void StreamDecoder::append_payload(std::span<const std::uint8_t> bytes) {
    const std::size_t needed = payload_.size() + bytes.size();
    if (needed > payload_.capacity()) {
        // Never past the declared length, never more than a bounded step past the
        // bytes in hand.
        const std::size_t headroom = std::min(needed, kPayloadGrowthLimit);
        payload_.reserve(std::min<std::size_t>(header_.payload_length, needed + headroom));
    }
    payload_.insert(payload_.end(), bytes.begin(), bytes.end());
}

DecodeStatus StreamDecoder::next(std::span<const std::uint8_t>& input) {
    item_is_hello_ = false;
    for (;;) {
        DecodeStatus status = DecodeStatus::need_more;
        switch (stage_) {
            case Stage::failed:
                // A rejection ends the stream; anything after it is an error too.
                if (error_ == Reason::none) {
                    if (input.empty()) return DecodeStatus::need_more;
                    return fail(Reason::malformed, "bytes after a rejection");
                }
                return DecodeStatus::error;
            case Stage::hello_fixed:
                if (!gather(input, kServerHelloFixedSize)) return DecodeStatus::need_more;
                status = finish_hello_fixed();
                break;
            case Stage::hello_body:
                if (!gather(input, header_.payload_length)) return DecodeStatus::need_more;
                return finish_hello_body();
            case Stage::header:
                if (!gather(input, kMessageHeaderSize)) return DecodeStatus::need_more;
                status = finish_header();
                break;
            case Stage::payload: {
                const std::size_t take =
                    std::min<std::size_t>(header_.payload_length - payload_have_, input.size());
                if (keep_payload_) append_payload(input.first(take));
                payload_have_ += take;
                input = input.subspan(take);
                if (payload_have_ < header_.payload_length) return DecodeStatus::need_more;
                stage_ = Stage::header;
                return DecodeStatus::item;
            }
        }
        if (status == DecodeStatus::error) return status;
    }
}

}  // namespace camstream::wire
