// OggOpusStream: the daemon's audio as one live Ogg/Opus stream (RFC 7845),
// what a browser's <audio> element, VLC and ffmpeg play from /audio. Every
// HTTP listener shares it: each packet becomes one Ogg page, made once, and a
// listener that joins gets the two header pages first, then the shared pages
// from where the stream is (a jump in page numbers that players take in their
// stride, as they do from Icecast).
#pragma once

#include "media/frame.hpp"

#include <ogg/ogg.h>

#include <cstdint>
#include <vector>

namespace camstream {

class OggOpusStream {
public:
    // pre_skip: samples a decoder discards at the start (the encoder's look-ahead).
    OggOpusStream(int channels, int pre_skip);
    ~OggOpusStream();
    OggOpusStream(const OggOpusStream&) = delete;
    OggOpusStream& operator=(const OggOpusStream&) = delete;

    // OpusHead and OpusTags, each on its own page: what every listener gets first.
    const std::vector<std::uint8_t>& header_pages() const { return header_pages_; }
    // One 20 ms Opus packet as the stream's next page.
    std::vector<std::uint8_t> page(const Frame& packet);

private:
    void flush_into(std::vector<std::uint8_t>& out);

    ogg_stream_state stream_{};
    std::vector<std::uint8_t> header_pages_;
    std::int64_t packet_number_ = 2;  // after the two headers
};

}  // namespace camstream
