#include "modules/audit/service.h"

#include "common/clock.h"
#include "http/api.h"
#include "modules/audit/repo.h"

namespace fy::audit {

void record(soci::session& sql, const Actor& actor, const Entry& e) {
  repo::insert(sql, actor, e, Clock::nowMs());
}

void recordCreated(soci::session& sql, const std::string& entity,
                   const std::vector<Created>& rows) {
  repo::insertCreated(sql, entity, rows, Clock::nowMs());
}

void registerRoutes(http::Routes& routes) {
  routes.get("/api/v1/audit/logs", "audit:log:list", [](http::Ctx& c) {
    auto page = c.page();
    repo::Filter f;
    f.scopePath = c.user().regionPath;
    f.actor = c.query("actor");
    f.entity = c.query("entity");
    f.action = c.query("action");
    f.entityId = c.queryInt("entityId");
    f.from = c.queryDate("from", false);
    f.to = c.queryDate("to", true);
    f.offset = page.offset();
    f.limit = page.size;
    return http::Response::ok(repo::list(c.sql, f));
  });
}

}  // namespace fy::audit
