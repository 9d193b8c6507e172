// LoopMailbox: the one way from a worker thread (video or audio capture) to
// the event loop.
//
// uv_async_send is the only safe way to wake a libuv loop from another thread,
// and it coalesces: several sends before the loop runs give one callback. So a
// mailbox holds one pending Mail that the worker edits under a lock, each
// kind of mail deciding what a second post does to what the loop has not
// taken yet (replace the frame, queue the packet, keep the event); the loop
// swaps the whole Mail out and delivers it.
//
// The worker's last post says it stopped; the owner closes the mailbox only
// after taking that, and a post after close() aborts: no post can touch a
// closed handle.
#pragma once

#include "net/uv_handle.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <string>
#include <utility>

namespace camstream {

template <typename Mail>
class LoopMailbox {
public:
    using Deliver = std::function<void(Mail&)>;

    // deliver runs on the loop thread; `name` is for the abort message.
    LoopMailbox(uv_loop_t* loop, std::string name, Deliver deliver)
        : name_(std::move(name)),
          deliver_(std::move(deliver)),
          async_(loop, uv_async_init, [](uv_async_t* handle) { static_cast<LoopMailbox*>(handle->data)->take(); }) {
        async_.get()->data = this;
    }

    // Worker thread: edit(Mail&) changes the pending mail under the lock, then
    // the loop is woken.
    template <typename Edit>
    void post(Edit&& edit) {
        {
            std::lock_guard lock(mutex_);
            std::forward<Edit>(edit)(pending_);
        }
        if (closed_.load(std::memory_order_acquire)) {
            spdlog::critical("{} used after it was closed", name_);
            std::abort();
        }
        uv_async_send(async_.get());
    }

    // Loop thread, after the worker's last post was delivered; on_closed runs
    // once the handle is gone (a later loop phase, never inside a delivery).
    void close(std::function<void()> on_closed) {
        closed_.store(true, std::memory_order_release);
        async_.close(std::move(on_closed));
    }

private:
    void take() {
        Mail mail;
        {
            std::lock_guard lock(mutex_);
            std::swap(mail, pending_);
        }
        deliver_(mail);
    }

    std::string name_;
    Deliver deliver_;
    std::mutex mutex_;
    Mail pending_;
    std::atomic<bool> closed_{false};
    UvHandle<uv_async_t> async_;
};

}  // namespace camstream
