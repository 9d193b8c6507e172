// JpegFolder: see jpeg_folder.hpp.
#include "jpeg_folder.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace camstream::bench {
namespace {

// The picture size from the first start-of-frame marker (SOF0..SOF15 but the
// DHT, JPG and DAC markers that share the range); enough for the stream info.
bool jpeg_size(const std::vector<std::uint8_t>& jpeg, std::uint16_t& width, std::uint16_t& height) {
    std::size_t at = 2;
    while (at + 9 < jpeg.size()) {
        if (jpeg[at] != 0xFF) return false;
        const std::uint8_t marker = jpeg[at + 1];
        const std::size_t length = static_cast<std::size_t>(jpeg[at + 2]) << 8 | jpeg[at + 3];
        if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
            height = static_cast<std::uint16_t>(jpeg[at + 5] << 8 | jpeg[at + 6]);
            width = static_cast<std::uint16_t>(jpeg[at + 7] << 8 | jpeg[at + 8]);
            return true;
        }
        at += 2 + length;
    }
    return false;
}

}  // namespace

std::optional<JpegFolder> load_jpeg_folder(const std::string& path, std::string& error) {
    std::vector<std::filesystem::path> names;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(path, ec)) {
        auto extension = entry.path().extension().string();
        std::transform(extension.begin(), extension.end(), extension.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (entry.is_regular_file() && (extension == ".jpg" || extension == ".jpeg")) names.push_back(entry.path());
    }
    if (ec) {
        error = path + ": " + ec.message();
        return std::nullopt;
    }
    std::sort(names.begin(), names.end());
    JpegFolder folder;
    for (const auto& name : names) {
        std::ifstream file(name, std::ios::binary);
        folder.jpegs.emplace_back(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
    }
    if (folder.jpegs.empty()) {
        error = path + ": no .jpg or .jpeg files";
        return std::nullopt;
    }
    if (!jpeg_size(folder.jpegs.front(), folder.width, folder.height)) {
        error = names.front().string() + ": no JPEG start-of-frame marker";
        return std::nullopt;
    }
    return folder;
}

}  // namespace camstream::bench
