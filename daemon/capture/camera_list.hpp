// camstreamd --list-cameras: what cameras this machine has, as a user needs
// to know before writing source.uri: each V4L2 node with its stable
// /dev/v4l/by-id/ name, its formats, sizes and frame rates (what v4l2-ctl
// --list-formats-ext shows), and whether libcamera sees a camera module.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace camstream {

// Lists `devices`, or every /dev/video* when empty. Always succeeds: a node
// that cannot be opened is listed with the reason.
void list_cameras(std::ostream& out, const std::vector<std::string>& devices);

}  // namespace camstream
