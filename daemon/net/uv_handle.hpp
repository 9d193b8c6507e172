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
#include <type_traits>
#include <utility>

namespace camstream {

template <typename T>
class UvHandle {
public:
    // init is uv_tcp_init, uv_timer_init, uv_async_init, ... with its extra arguments.
    template <typename Init, typename... Args>
    UvHandle(uv_loop_t* loop, Init init, Args&&... args) : handle_(std::make_unique<T>()) {
        init(loop, handle_.get(), std::forward<Args>(args)...);
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
            delete reinterpret_cast<T*>(closed_handle);
            if (done) (*done)();
        });
    }

    std::unique_ptr<T> handle_;
};

}  // namespace camstream
