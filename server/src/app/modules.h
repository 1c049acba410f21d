#pragma once
#include "http/api.h"

namespace fy::app {
// The module registration list: every module adds its routes here.
void registerAll(http::Routes& routes);
}  // namespace fy::app
