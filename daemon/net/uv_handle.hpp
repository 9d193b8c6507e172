// UvHandle: sole owner of one libuv handle.
//
// libuv forbids freeing a handle before its close callback has run, and a
// stream's cancelled write callbacks arrive between uv_close() and that close
// callback. So the handle lives on the heap, close() hands it to uv_close(),
// and the memory is freed in the close callback, after which an optional
// `on_closed` runs: the one place an owner may free what those callbacks use.
#pragma once

#include <uv.h>

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

namespace camstream {

// For libuv calls that fail only when something is badly wrong (no memory, no
// file descriptors, a bug): stops with a message naming the call, instead of
// running on with a handle that never fires.
inline void check_uv(int rc, const char* call) {
    if (rc != 0) throw std::runtime_error(std::string(call) + " failed: " + uv_strerror(rc));
}

template <typename T>
class UvHandle {
public:
    // init is uv_tcp_init, uv_timer_init, uv_async_init, ... with its extra arguments.
    template <typename Init, typename... Args>
    UvHandle(uv_loop_t* loop, Init init, Args&&... args) : handle_(std::make_unique<T>()) {
        check_uv(init(loop, handle_.get(), std::forward<Args>(args)...), "libuv handle init");
    }
    ~UvHandle() { close(); }
    UvHandle(const UvHandle&) = delete;
    UvHandle& operator=(const UvHandle&) = delete;

    T* get() const { return handle_.get(); }
    uv_handle_t* base() const { return reinterpret_cast<uv_handle_t*>(handle_.get()); }
    uv_stream_t* stream() const { return reinterpret_cast<uv_stream_t*>(handle_.get()); }
    bool closed() const { return !handle_; }

    void close(std::function<void()> on_closed = {}) {
        close_with(std::move(on_closed), [](T* handle, uv_close_cb done) {
            uv_close(reinterpret_cast<uv_handle_t*>(handle), done);
        });
    }

    // TCP only: closes with a reset, so the kernel drops unsent data at once
    // instead of holding it for a peer that stopped reading.
    void close_reset(std::function<void()> on_closed = {}) {
        static_assert(std::is_same_v<T, uv_tcp_t>);
        close_with(std::move(on_closed), [](T* handle, uv_close_cb done) {
            if (uv_tcp_close_reset(handle, done) != 0) uv_close(reinterpret_cast<uv_handle_t*>(handle), done);
        });
    }

private:
    template <typename Closer>
    void close_with(std::function<void()> on_closed, Closer closer) {
        if (!handle_) return;
        T* handle = handle_.release();
        auto callback = on_closed ? std::make_unique<std::function<void()>>(std::move(on_closed))
                                  : nullptr;
        handle->data = callback.release();
        closer(handle, [](uv_handle_t* closed_handle) {
            std::unique_ptr<std::function<void()>> done(
                static_cast<std::function<void()>*>(closed_handle->data));
            // The handle was allocated as a T (handle_), so it has T's alignment;
            // through void* because -Wcast-align cannot know that (uv_timer_t
            // holds 64-bit fields and needs 8 where uv_handle_t needs 4 on armhf).
            delete static_cast<T*>(static_cast<void*>(closed_handle));
            if (done) (*done)();
        });
    }

    std::unique_ptr<T> handle_;
};

inline void start_timer(UvHandle<uv_timer_t>& timer, uv_timer_cb callback, std::uint64_t timeout_ms,
                        std::uint64_t repeat_ms) {
    check_uv(uv_timer_start(timer.get(), callback, timeout_ms, repeat_ms), "uv_timer_start");
}

}  // namespace camstream
