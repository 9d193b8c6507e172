// JpegFolderSource on real files: pictures are read as they are played, so the
// source holds at most two whatever the folder's size; files play in name order
// and loop; files that vanish or cannot be read are skipped, counted and logged
// once; the folder is listed again at each loop.
#include "encode/jpeg_encoder.hpp"
#include "capture/jpeg_folder_source.hpp"

#include <doctest/doctest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <opencv2/core.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

using namespace camstream;

namespace {

using Bytes = std::vector<std::uint8_t>;

class TempFolder {
public:
    TempFolder() {
        std::string pattern = (std::filesystem::temp_directory_path() / "camstream-folder-XXXXXX").string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        path_ = pattern;
    }
    ~TempFolder() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempFolder(const TempFolder&) = delete;
    TempFolder& operator=(const TempFolder&) = delete;
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

// Captures what spdlog's default logger writes while it lives.
class CapturedLog {
public:
    CapturedLog() : previous_(spdlog::default_logger()) {
        auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(text_);
        spdlog::set_default_logger(std::make_shared<spdlog::logger>("captured", sink));
    }
    ~CapturedLog() { spdlog::set_default_logger(previous_); }
    std::string text() const { return text_.str(); }
    std::size_t count(const std::string& needle) const {
        const auto all = text();
        std::size_t found = 0;
        for (auto at = all.find(needle); at != std::string::npos; at = all.find(needle, at + 1)) ++found;
        return found;
    }

private:
    std::ostringstream text_;
    std::shared_ptr<spdlog::logger> previous_;
};

void write_bytes(const std::filesystem::path& path, const Bytes& bytes) {
    std::ofstream file(path, std::ios::binary);
    file.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    REQUIRE(file.good());
}

// A small JPEG that differs from every other `index`: its own grey level and a
// white pixel at its own place.
Bytes make_jpeg(int index) {
    cv::Mat picture(24, 32, CV_8UC3, cv::Scalar::all(index % 200));
    picture.at<cv::Vec3b>(index / 32 % 24, index % 32) = cv::Vec3b(255, 255, 255);
    JpegEncoder encoder;
    Bytes jpeg;
    REQUIRE(encoder.encode(picture, 90, jpeg));
    return jpeg;
}

std::string name_of(int index) {
    char name[32];
    std::snprintf(name, sizeof name, "frame-%03d.jpg", index);
    return name;
}

// Writes `count` distinct JPEGs named frame-000.jpg... and returns them in name order.
std::vector<Bytes> make_folder(const TempFolder& folder, int count) {
    std::vector<Bytes> pictures;
    for (int i = 0; i < count; ++i) {
        pictures.push_back(make_jpeg(i));
        write_bytes(folder.path() / name_of(i), pictures.back());
    }
    return pictures;
}

// Fast enough that hundreds of frames take a fraction of a second.
SourceSettings fast_settings() {
    SourceSettings settings;
    settings.fps = 5000;
    return settings;
}

// Grabs and retrieves one frame; its bytes, or nothing when the source failed.
std::optional<Bytes> next_frame(JpegFolderSource& source) {
    if (!source.grab()) return std::nullopt;
    SourceImage image;
    if (!source.retrieve(image) || !image.jpeg) return std::nullopt;
    return *image.jpeg;
}

// The index of `bytes` among `pictures`, or -1.
int index_of(const std::vector<Bytes>& pictures, const Bytes& bytes) {
    const auto found = std::find(pictures.begin(), pictures.end(), bytes);
    return found == pictures.end() ? -1 : static_cast<int>(found - pictures.begin());
}

}  // namespace

TEST_CASE("folder source: 200 files play in name order and loop, and the source holds at most two pictures") {
    TempFolder folder;
    constexpr int kFiles = 200;
    const auto pictures = make_folder(folder, kFiles);
    REQUIRE(std::set<Bytes>(pictures.begin(), pictures.end()).size() == kFiles);

    StopSignal stop;
    JpegFolderSource source(folder.path(), fast_settings(), stop);
    std::string error;
    REQUIRE_MESSAGE(source.open(error), error);
    CHECK(source.size() == cv::Size(32, 24));

    std::size_t most_held = source.pictures_held();
    std::vector<int> played;
    for (int frame = 0; frame < 2 * kFiles + 10; ++frame) {
        REQUIRE(source.grab());
        most_held = std::max(most_held, source.pictures_held());
        SourceImage image;
        REQUIRE(source.retrieve(image));
        REQUIRE(image.jpeg);
        most_held = std::max(most_held, source.pictures_held());
        played.push_back(index_of(pictures, *image.jpeg));
    }
    // Two pictures at most, not the folder: the grabbed one and the one read ahead.
    CHECK(most_held <= 2);
    for (int frame = 0; frame < static_cast<int>(played.size()); ++frame) {
        INFO("frame " << frame);
        REQUIRE(played[static_cast<std::size_t>(frame)] == frame % kFiles);
    }
    CHECK(source.files_skipped() == 0);

    // Nobody watching (grab without retrieve): nothing is read ahead.
    for (int frame = 0; frame < 50; ++frame) {
        REQUIRE(source.grab());
        CHECK(source.pictures_held() <= 1);
    }
    CHECK(source.pictures_held() == 0);
    // Watching again, the loop goes on where it was.
    const auto resumed = next_frame(source);
    REQUIRE(resumed);
    CHECK(index_of(pictures, *resumed) == (2 * kFiles + 10 + 50) % kFiles);
}

TEST_CASE("folder source: a file deleted or broken while playing is skipped, counted and logged once") {
    CapturedLog log;
    TempFolder folder;
    const auto pictures = make_folder(folder, 20);
    StopSignal stop;
    JpegFolderSource source(folder.path(), fast_settings(), stop);
    std::string error;
    REQUIRE_MESSAGE(source.open(error), error);

    std::vector<int> played;
    for (int frame = 0; frame < 5; ++frame) {
        const auto bytes = next_frame(source);
        REQUIRE(bytes);
        played.push_back(index_of(pictures, *bytes));
    }
    // While the source plays, frame 10 vanishes and frame 12 is no longer a JPEG.
    std::filesystem::remove(folder.path() / name_of(10));
    write_bytes(folder.path() / name_of(12), Bytes{'n', 'o', 't', ' ', 'a', ' ', 'J', 'P', 'E', 'G'});
    // The rest of the first loop, a second loop (the folder listed again), and a bit:
    // 18 playable files each time.
    for (int frame = 5; frame < 18 + 18 + 3; ++frame) {
        const auto bytes = next_frame(source);
        REQUIRE_MESSAGE(bytes, "the stream stopped at frame " << frame);
        played.push_back(index_of(pictures, *bytes));
        CHECK(source.pictures_held() <= 2);
    }
    std::vector<int> expected;
    for (int i = 0; i < 20; ++i) {
        if (i != 10 && i != 12) expected.push_back(i);
    }
    for (int i = 0; i < 20; ++i) {
        if (i != 10 && i != 12) expected.push_back(i);
    }
    expected.insert(expected.end(), {0, 1, 2});
    CHECK(played == expected);
    // Skipped each time it came round: frame 10 once (then it left the list),
    // the broken frame 12 in both loops; named in the log once each.
    CHECK(source.files_skipped() == 3);
    INFO(log.text());
    CHECK(log.count("skipped " + name_of(10) + ": it vanished") == 1);
    CHECK(log.count("skipped " + name_of(12) + ": not a JPEG file") == 1);
}

TEST_CASE("folder source: a file that vanishes between grab and retrieve gives way to the next one") {
    TempFolder folder;
    const auto pictures = make_folder(folder, 6);
    StopSignal stop;
    JpegFolderSource source(folder.path(), fast_settings(), stop);
    std::string error;
    REQUIRE_MESSAGE(source.open(error), error);
    // Unwatched, grab() only takes names: frames 0, 1, 2.
    for (int frame = 0; frame < 3; ++frame) REQUIRE(source.grab());
    REQUIRE(source.grab());  // frame 3, not read yet
    std::filesystem::remove(folder.path() / name_of(3));
    SourceImage image;
    REQUIRE(source.retrieve(image));
    REQUIRE(image.jpeg);
    CHECK(index_of(pictures, *image.jpeg) == 4);
    CHECK(source.files_skipped() == 1);
    const auto after = next_frame(source);
    REQUIRE(after);
    CHECK(index_of(pictures, *after) == 5);
}

TEST_CASE("folder source: files added while playing join at the next loop, an emptied folder is a lost source") {
    TempFolder folder;
    auto pictures = make_folder(folder, 3);
    StopSignal stop;
    JpegFolderSource source(folder.path(), fast_settings(), stop);
    std::string error;
    REQUIRE_MESSAGE(source.open(error), error);
    REQUIRE(next_frame(source));  // frame 0
    pictures.push_back(make_jpeg(7));
    write_bytes(folder.path() / name_of(7), pictures.back());
    std::vector<int> played;
    for (int frame = 0; frame < 2 + 4; ++frame) {
        const auto bytes = next_frame(source);
        REQUIRE(bytes);
        played.push_back(index_of(pictures, *bytes));
    }
    // The rest of the first loop as listed at open, then the folder as it is now.
    CHECK(played == std::vector<int>{1, 2, 0, 1, 2, 3});

    for (const auto& entry : std::filesystem::directory_iterator(folder.path())) {
        std::filesystem::remove(entry.path());
    }
    // The source plays out what it read ahead, then reports itself lost at the
    // loop's end, and cannot be opened again until there are files.
    bool lost = false;
    for (int frame = 0; frame < 6 && !lost; ++frame) lost = !next_frame(source);
    CHECK(lost);
    CHECK_FALSE(source.open(error));
    CHECK(error == folder.path().string() + ": folder holds no .jpg or .jpeg files");
    write_bytes(folder.path() / name_of(1), pictures[1]);
    REQUIRE_MESSAGE(source.open(error), error);
    const auto back = next_frame(source);
    REQUIRE(back);
    CHECK(index_of(pictures, *back) == 1);
}

TEST_CASE("folder source: a folder whose files are all unreadable does not open, and says why") {
    TempFolder folder;
    write_bytes(folder.path() / "a.jpg", Bytes{'x', 'y', 'z'});
    write_bytes(folder.path() / "b.jpeg", Bytes{0xFF, 0xD8, 0xFF, 0x00});
    StopSignal stop;
    JpegFolderSource source(folder.path(), fast_settings(), stop);
    std::string error;
    CHECK_FALSE(source.open(error));
    CHECK(error == folder.path().string() + ": none of its .jpg or .jpeg files could be read as a JPEG");
    CHECK(source.files_skipped() == 2);
}
