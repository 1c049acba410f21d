#include "app/modules.h"

#include "app/context.h"
#include "common/clock.h"
#include "http/json_in.h"
#include "modules/audit/service.h"
#include "modules/iam/service.h"
#include "modules/notify/service.h"
#include "modules/region/service.h"
#include "modules/vaccination/service.h"

namespace fy::app {

namespace {
// Only in --test-mode: lets the test suite move time instead of sleeping (DESIGN: Time).
void registerTestRoutes(http::Routes& routes) {
  routes.add({"POST", "/api/v1/test/clock", http::kPublic, http::Kind::Read, [](http::Ctx& c) {
                if (!c.app.testMode) throw Problem::notFound("route");
                auto body = c.body();
                http::JsonIn in(body);
                int64_t offset =
                    in.integer("offsetMs", -10LL * 365 * 86400000, 10LL * 365 * 86400000);
                in.done();
                Clock::setOffsetMs(offset);
                return http::Response::ok({{"nowMs", Clock::nowMs()}});
              }});
}
}  // namespace

void registerAll(http::Routes& routes) {
  iam::registerRoutes(routes);
  region::registerRoutes(routes);
  audit::registerRoutes(routes);
  notify::registerRoutes(routes);
  vax::registerRoutes(routes);
  registerTestRoutes(routes);
}

}  // namespace fy::app
