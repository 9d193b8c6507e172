// Report: turns a finished run into the one JSON line the load generator prints.
#pragma once

#include "load_run.hpp"

#include <string>

namespace camstream::bench {

std::string report_json(const RunResult& result);

}  // namespace camstream::bench
