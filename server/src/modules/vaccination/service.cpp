#include "modules/vaccination/service.h"

#include "app/context.h"
#include "common/clock.h"
#include "http/api.h"
#include "modules/region/service.h"
#include "modules/vaccination/internal.h"
#include "modules/vaccination/repo.h"

namespace fy::vax {

void registerRoutes(http::Routes& routes) {
  region::onMove([](soci::session& sql, int64_t, const std::string& from, const std::string& to) {
    repo::followMove(sql, from, to);
  });
  registerAdminRoutes(routes);
  registerPublicRoutes(routes);
  registerSiteRoutes(routes);
  // Test mode only: run the release and reminder jobs now, at the (shifted) test clock.
  routes.add(
      {"POST", "/api/v1/test/vaccination/jobs", http::kPublic, http::Kind::Write, [](http::Ctx& c) {
         if (!c.app.testMode) throw Problem::notFound("route");
         auto n = runDueJobs(c.sql, c.app, Clock::nowMs());
         return http::Response::ok({{"released", n.released}, {"reminded", n.reminded}});
       }});
}

}  // namespace fy::vax
