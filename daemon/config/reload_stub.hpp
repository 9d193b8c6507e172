// Transitional: OnReload, SettingChange and changed_settings() now come from
// the configuration schema (config/schema.hpp), which config/config.hpp
// brings along. Include that instead; this header goes once nothing uses it.
#pragma once

#include "config/config.hpp"
