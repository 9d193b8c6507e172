// GStreamerSource: see gstreamer_source.hpp.
#include "capture/gstreamer_source.hpp"

#include "media/clock.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

namespace camstream {
namespace {

constexpr GstClockTime kSlice = 100 * GST_MSECOND;    // between looks at the stop signal
constexpr GstClockTime kStartup = 10 * GST_SECOND;    // a camera module may take a few seconds to start
constexpr const char* kSinkName = "camstream_sink";

}  // namespace

GStreamerSource::GStreamerSource(std::string pipeline, const SourceSettings& settings, const StopSignal& stop)
    : pipeline_(std::move(pipeline)), fps_(settings.fps), stop_(stop) {
    gst_video_info_init(&info_);
}

GStreamerSource::~GStreamerSource() { close(); }

std::string GStreamerSource::with_sink(const std::string& pipeline) {
    if (pipeline.find("appsink") != std::string::npos) return pipeline;
    // drop + max-buffers=1: a slow encoder gets the newest picture, never a backlog.
    return pipeline + " ! videoconvert ! appsink name=" + kSinkName +
           " caps=video/x-raw,format={I420,NV12,YUY2} max-buffers=1 drop=true sync=false";
}

void GStreamerSource::release_sample() {
    if (mapped_) gst_video_frame_unmap(&frame_);
    mapped_ = false;
    if (sample_) gst_sample_unref(sample_);
    sample_ = nullptr;
}

void GStreamerSource::close() {
    release_sample();
    if (bin_) {
        gst_element_set_state(bin_, GST_STATE_NULL);
        gst_object_unref(bin_);
    }
    bin_ = nullptr;
    if (sink_) gst_object_unref(sink_);
    sink_ = nullptr;
}

bool GStreamerSource::bus_error(std::string& error) {
    GstBus* bus = gst_element_get_bus(bin_);
    bool failed = false;
    while (GstMessage* message = gst_bus_pop_filtered(bus, GstMessageType(GST_MESSAGE_ERROR | GST_MESSAGE_EOS))) {
        if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_EOS) {
            error = "the pipeline ended (end of stream)";
        } else {
            GError* gerror = nullptr;
            gst_message_parse_error(message, &gerror, nullptr);
            error = std::string(GST_OBJECT_NAME(message->src)) + ": " + (gerror ? gerror->message : "error");
            g_clear_error(&gerror);
        }
        gst_message_unref(message);
        failed = true;
    }
    gst_object_unref(bus);
    return failed;
}

GStreamerSource::Pull GStreamerSource::pull(GstClockTime timeout, std::string& error) {
    release_sample();
    for (GstClockTime waited = 0; waited < timeout; waited += kSlice) {
        if (stop_.raised()) return Pull::stopped;
        sample_ = gst_app_sink_try_pull_sample(sink_, kSlice);
        if (sample_) return Pull::sample;
        if (bus_error(error)) return Pull::failed;
        if (gst_app_sink_is_eos(sink_)) {
            error = "the pipeline ended (end of stream)";
            return Pull::failed;
        }
    }
    return Pull::timeout;
}

bool GStreamerSource::open(std::string& error) {
    close();
    captured_us_ = 0;
    if (GError* gerror = nullptr; !gst_init_check(nullptr, nullptr, &gerror)) {
        error = std::string("GStreamer cannot start: ") + (gerror ? gerror->message : "unknown error");
        g_clear_error(&gerror);
        return false;
    }
    GError* parse_error = nullptr;
    bin_ = gst_parse_launch(with_sink(pipeline_).c_str(), &parse_error);
    if (parse_error) {  // also set for a pipeline it could partly build: refuse that too
        error = "the GStreamer pipeline '" + pipeline_ + "' is not valid: " + parse_error->message;
        g_clear_error(&parse_error);
        close();
        return false;
    }
    sink_ = GST_APP_SINK(gst_bin_get_by_name(GST_BIN(bin_), kSinkName));
    if (!sink_) {
        error = "the GStreamer pipeline '" + pipeline_ + "' has an appsink not named " + kSinkName;
        close();
        return false;
    }
    if (gst_element_set_state(bin_, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
        bus_error(error);
        error = "the GStreamer pipeline '" + pipeline_ + "' does not start" + (error.empty() ? "" : ": " + error);
        close();
        return false;
    }
    // The first frame tells the size; it is also the first frame grabbed.
    switch (pull(kStartup, error)) {
        case Pull::sample: break;
        case Pull::stopped: close(); return false;
        case Pull::timeout: error = "no frame within 10 s"; [[fallthrough]];
        case Pull::failed:
            error = "the GStreamer pipeline '" + pipeline_ + "' does not deliver: " + error;
            close();
            return false;
    }
    GstCaps* caps = gst_sample_get_caps(sample_);
    if (!caps || !gst_video_info_from_caps(&info_, caps)) {
        error = "the GStreamer pipeline '" + pipeline_ + "' delivers something that is not raw video";
        close();
        return false;
    }
    if (GST_VIDEO_INFO_FPS_N(&info_) > 0 && GST_VIDEO_INFO_FPS_D(&info_) > 0) {
        fps_ = static_cast<double>(GST_VIDEO_INFO_FPS_N(&info_)) / GST_VIDEO_INFO_FPS_D(&info_);
    }
    first_ = true;
    return true;
}

bool GStreamerSource::grab() {
    std::string error;
    if (first_) {
        first_ = false;  // open() pulled it
    } else {
        const auto interval = static_cast<GstClockTime>(GST_SECOND / std::max(fps_, 0.1));
        switch (pull(std::max<GstClockTime>(2 * GST_SECOND, 3 * interval), error)) {
            case Pull::sample: break;
            case Pull::stopped: return false;
            case Pull::timeout: error = "no frame for three frame intervals"; [[fallthrough]];
            case Pull::failed:
                spdlog::warn("source {}: {}", describe(), error);
                close();
                return false;
        }
    }
    // The buffer's time on the pipeline clock, moved to the wall clock: when
    // the camera took it, not when we got to it.
    GstBuffer* buffer = gst_sample_get_buffer(sample_);
    captured_us_ = wall_clock_us();
    GstClock* clock = gst_element_get_clock(bin_);
    if (clock && buffer && GST_BUFFER_PTS_IS_VALID(buffer)) {
        const GstClockTime taken = gst_element_get_base_time(bin_) + GST_BUFFER_PTS(buffer);
        const GstClockTime now = gst_clock_get_time(clock);
        if (now >= taken) captured_us_ -= static_cast<std::int64_t>((now - taken) / GST_USECOND);
    }
    if (clock) gst_object_unref(clock);
    return buffer != nullptr;
}

bool GStreamerSource::retrieve(SourceImage& out) {
    if (!sample_) return false;
    if (!mapped_) {
        mapped_ = gst_video_frame_map(&frame_, &info_, gst_sample_get_buffer(sample_), GST_MAP_READ);
        if (!mapped_) return false;
    }
    const auto plane = [&](int index) { return static_cast<const std::uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&frame_, index)); };
    const auto stride = [&](int index) { return GST_VIDEO_FRAME_PLANE_STRIDE(&frame_, index); };
    const int width = GST_VIDEO_INFO_WIDTH(&info_);
    const int height = GST_VIDEO_INFO_HEIGHT(&info_);
    switch (GST_VIDEO_INFO_FORMAT(&info_)) {
        case GST_VIDEO_FORMAT_I420:
            out.yuv = {YuvPlanes::Layout::i420, width, height, {plane(0), plane(1), plane(2)},
                       {stride(0), stride(1), stride(2)}};
            return true;
        case GST_VIDEO_FORMAT_NV12:
            out.yuv = {YuvPlanes::Layout::nv12, width, height, {plane(0), plane(1), nullptr}, {stride(0), stride(1), 0}};
            return true;
        case GST_VIDEO_FORMAT_YUY2:
            out.yuv = {YuvPlanes::Layout::yuyv, width, height, {plane(0), nullptr, nullptr}, {stride(0), 0, 0}};
            return true;
        default: return false;  // the appsink's caps allow only the three
    }
}

}  // namespace camstream

extern "C" camstream::Source* camstream_make_gstreamer_source(const char* pipeline,
                                                             const camstream::SourceSettings* settings,
                                                             const camstream::StopSignal* stop) {
    return new camstream::GStreamerSource(pipeline, *settings, *stop);
}
