// OggOpusStream: see ogg_opus.hpp.
#include "http/ogg_opus.hpp"

#include "version.hpp"
#include "wire.hpp"

#include <random>
#include <stdexcept>
#include <string>

namespace camstream {
namespace {

void put_le16(std::vector<std::uint8_t>& out, std::uint16_t value) {
    out.push_back(static_cast<std::uint8_t>(value));
    out.push_back(static_cast<std::uint8_t>(value >> 8));
}

void put_le32(std::vector<std::uint8_t>& out, std::uint32_t value) {
    put_le16(out, static_cast<std::uint16_t>(value));
    put_le16(out, static_cast<std::uint16_t>(value >> 16));
}

void put_text(std::vector<std::uint8_t>& out, std::string_view text) { out.insert(out.end(), text.begin(), text.end()); }

// RFC 7845 section 5.1: the identification header.
std::vector<std::uint8_t> opus_head(int channels, int pre_skip) {
    std::vector<std::uint8_t> head;
    put_text(head, "OpusHead");
    head.push_back(1);  // version
    head.push_back(static_cast<std::uint8_t>(channels));
    put_le16(head, static_cast<std::uint16_t>(pre_skip));
    put_le32(head, static_cast<std::uint32_t>(wire::kAudioSampleRate));
    put_le16(head, 0);  // output gain
    head.push_back(0);  // mapping family 0: mono or stereo
    return head;
}

// RFC 7845 section 5.2: the comment header, naming the encoder's program.
std::vector<std::uint8_t> opus_tags() {
    std::vector<std::uint8_t> tags;
    put_text(tags, "OpusTags");
    const std::string vendor = std::string("camstreamd ") + kVersion;
    put_le32(tags, static_cast<std::uint32_t>(vendor.size()));
    put_text(tags, vendor);
    put_le32(tags, 0);  // no user comments
    return tags;
}

ogg_packet as_packet(std::vector<std::uint8_t>& bytes, std::int64_t number, std::int64_t granule, bool first) {
    ogg_packet packet{};
    packet.packet = bytes.data();
    packet.bytes = static_cast<long>(bytes.size());
    packet.b_o_s = first ? 1 : 0;
    packet.granulepos = granule;
    packet.packetno = number;
    return packet;
}

}  // namespace

OggOpusStream::OggOpusStream(int channels, int pre_skip) {
    // A fresh serial number per daemon run: a player that reconnects sees a new stream.
    std::random_device random;
    if (ogg_stream_init(&stream_, static_cast<int>(random())) != 0) throw std::runtime_error("ogg_stream_init failed");
    auto head = opus_head(channels, pre_skip);
    auto head_packet = as_packet(head, 0, 0, true);
    ogg_stream_packetin(&stream_, &head_packet);
    flush_into(header_pages_);
    auto tags = opus_tags();
    auto tags_packet = as_packet(tags, 1, 0, false);
    ogg_stream_packetin(&stream_, &tags_packet);
    flush_into(header_pages_);
}

OggOpusStream::~OggOpusStream() { ogg_stream_clear(&stream_); }

void OggOpusStream::flush_into(std::vector<std::uint8_t>& out) {
    ogg_page page;
    while (ogg_stream_flush(&stream_, &page) != 0) {
        out.insert(out.end(), page.header, page.header + page.header_len);
        out.insert(out.end(), page.body, page.body + page.body_len);
    }
}

std::vector<std::uint8_t> OggOpusStream::page(const Frame& packet) {
    // The granule position counts 48 kHz samples to the end of the page; from
    // the packet's own number, so dropped or unencoded packets keep time right.
    const auto granule = static_cast<std::int64_t>(packet.sequence) * wire::kAudioPacketSamples;
    std::vector<std::uint8_t> bytes(packet.bytes().begin(), packet.bytes().end());
    auto ogg = as_packet(bytes, packet_number_++, granule, false);
    ogg_stream_packetin(&stream_, &ogg);
    std::vector<std::uint8_t> out;
    flush_into(out);
    return out;
}

}  // namespace camstream
