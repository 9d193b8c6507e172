// ServiceNotifier: camstreamd's conversation with systemd (sd_notify):
// READY / RELOADING / STOPPING, a current STATUS line, and the watchdog, which
// is fed only while the capture path is alive so that a hung camera read gets
// the service restarted. Both read the health model. Outside systemd every
// call is a cheap no-op.
#pragma once

#include "net/uv_handle.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace camstream {

class Health;

class ServiceNotifier {
public:
    ServiceNotifier(uv_loop_t* loop, const Health& health);

    void ready();
    void reloading();
    void stopping();
    // Stops the watchdog and status timers (shutdown).
    void close();

private:
    void refresh_status();
    void feed_watchdog();

    const Health& health_;
    std::string last_status_;
    std::unique_ptr<UvHandle<uv_timer_t>> status_timer_;
    std::unique_ptr<UvHandle<uv_timer_t>> watchdog_timer_;
};

// The listening socket systemd passed in (socket activation), if any.
std::optional<int> socket_from_systemd();
// True when stderr goes to the journal, so logs should carry journal priorities.
bool stderr_is_journal();

}  // namespace camstream
