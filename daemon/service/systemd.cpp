// ServiceNotifier and socket activation: see service.hpp.
#include "service/systemd.hpp"

#include "hub/health.hpp"
#include "media/clock.hpp"

#include <systemd/sd-daemon.h>

#include <spdlog/spdlog.h>

#include <sys/stat.h>

#include <charconv>
#include <cstdlib>
#include <string_view>

namespace camstream {
namespace {
constexpr std::uint64_t kStatusRefreshMs = 2000;
}  // namespace

ServiceNotifier::ServiceNotifier(uv_loop_t* loop, const Health& health) : health_(health) {
    if (std::getenv("NOTIFY_SOCKET") == nullptr) return;
    status_timer_ = std::make_unique<UvHandle<uv_timer_t>>(loop, uv_timer_init);
    status_timer_->get()->data = this;
    start_timer(*status_timer_,
                [](uv_timer_t* timer) { static_cast<ServiceNotifier*>(timer->data)->refresh_status(); },
                kStatusRefreshMs, kStatusRefreshMs);

    std::uint64_t watchdog_usec = 0;
    if (sd_watchdog_enabled(0, &watchdog_usec) > 0 && watchdog_usec > 0) {
        // Ping at a third of the interval: two pings may be late before systemd acts.
        const auto period_ms = std::max<std::uint64_t>(1, watchdog_usec / 3000);
        watchdog_timer_ = std::make_unique<UvHandle<uv_timer_t>>(loop, uv_timer_init);
        watchdog_timer_->get()->data = this;
        start_timer(*watchdog_timer_,
                    [](uv_timer_t* timer) { static_cast<ServiceNotifier*>(timer->data)->feed_watchdog(); },
                    period_ms, period_ms);
        spdlog::info("systemd watchdog enabled: {} ms, pinging every {} ms while frames arrive",
                     watchdog_usec / 1000, period_ms);
    }
}

void ServiceNotifier::ready() {
    last_status_ = health_.status_line(wall_clock_us());
    sd_notifyf(0, "READY=1\nSTATUS=%s\nMAINPID=%lu", last_status_.c_str(),
               static_cast<unsigned long>(getpid()));
}

void ServiceNotifier::reloading() {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    const auto monotonic_usec = static_cast<unsigned long long>(now.tv_sec) * 1'000'000ULL +
                                static_cast<unsigned long long>(now.tv_nsec) / 1000ULL;
    sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=reloading configuration", monotonic_usec);
}

void ServiceNotifier::stopping() { sd_notify(0, "STOPPING=1\nSTATUS=stopping"); }

void ServiceNotifier::close() {
    status_timer_.reset();
    watchdog_timer_.reset();
}

void ServiceNotifier::refresh_status() {
    auto status = health_.status_line(wall_clock_us());
    if (status == last_status_) return;
    last_status_ = std::move(status);
    sd_notifyf(0, "STATUS=%s", last_status_.c_str());
}

void ServiceNotifier::feed_watchdog() {
    if (health_.capture_alive(wall_clock_us())) {
        sd_notify(0, "WATCHDOG=1");
    } else {
        spdlog::warn("capture path is not delivering frames: withholding the systemd watchdog ping");
    }
}

std::optional<int> socket_from_systemd() {
    const int count = sd_listen_fds(1);
    if (count <= 0) return std::nullopt;
    if (count > 1) spdlog::warn("systemd passed {} sockets; using the first", count);
    return SD_LISTEN_FDS_START;
}

bool stderr_is_journal() {
    // systemd sets JOURNAL_STREAM to the device:inode of the journal stream it
    // connected to stderr; compare, since the variable is inherited by children.
    const char* stream = std::getenv("JOURNAL_STREAM");
    if (stream == nullptr) return false;
    struct stat info {};
    if (fstat(STDERR_FILENO, &info) != 0) return false;
    const std::string_view text(stream);
    const auto colon = text.find(':');
    unsigned long long device = 0;
    unsigned long long inode = 0;
    if (colon == std::string_view::npos ||
        std::from_chars(text.data(), text.data() + colon, device).ec != std::errc{} ||
        std::from_chars(text.data() + colon + 1, text.data() + text.size(), inode).ec != std::errc{}) {
        return false;
    }
    return device == info.st_dev && inode == info.st_ino;
}

}  // namespace camstream
