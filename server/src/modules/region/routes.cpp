#include <map>

#include "http/api.h"
#include "http/json_in.h"
#include "modules/region/repo.h"
#include "modules/region/service.h"

namespace fy::region {

namespace {

NodeInput parseInput(http::JsonIn& in, bool isCreate) {
  NodeInput n;
  n.name = in.str("name", {.max = 50});
  n.population = in.optInt("population", 0, 100'000'000).value_or(0);
  n.sortOrder = static_cast<int>(in.optInt("sortOrder", -100000, 100000).value_or(0));
  if (isCreate) n.enabled = in.optBool("enabled").value_or(true);
  n.kind = in.optStr("kind", {.max = 20}).value_or("");
  return n;
}

nlohmann::json tree(const std::vector<Node>& nodes, int64_t rootId) {
  std::map<int64_t, std::vector<const Node*>> kids;
  for (const auto& n : nodes) kids[n.parentId].push_back(&n);
  std::function<nlohmann::json(const Node&)> build = [&](const Node& n) {
    nlohmann::json j = toJson(n);
    j["children"] = nlohmann::json::array();
    for (const Node* c : kids[n.id]) j["children"].push_back(build(*c));
    return j;
  };
  nlohmann::json items = nlohmann::json::array();
  for (const auto& n : nodes)
    if (n.id == rootId) items.push_back(build(n));
  return items;
}

}  // namespace

void registerRoutes(http::Routes& routes) {
  using http::Ctx;
  using http::Response;

  routes.get("/api/v1/region/tree", "region:node:list", [](Ctx& c) {
    const auto& u = c.user();
    return Response::ok({{"items", tree(repo::subtree(c.sql, u.regionPath), u.regionId)}});
  });

  routes.get("/api/v1/region/nodes", "region:node:list", [](Ctx& c) {
    const auto& u = c.user();
    auto page = c.page();
    repo::ChildFilter f;
    f.parentId = findInScope(c.sql, u, c.queryInt("parentId").value_or(u.regionId)).id;
    f.keyword = c.query("keyword");
    f.offset = page.offset();
    f.limit = page.size;
    auto [nodes, total] = repo::children(c.sql, f);
    nlohmann::json items = nlohmann::json::array();
    for (const auto& n : nodes) items.push_back(toJson(n));
    return Response::ok({{"items", items}, {"total", total}});
  });

  routes.get("/api/v1/region/nodes/:id(\\d+)", "region:node:list",
             [](Ctx& c) { return Response::ok(toJson(findInScope(c.sql, c.user(), c.id()))); });

  routes.post("/api/v1/region/nodes", "region:node:create", [](Ctx& c) {
    auto body = c.body();
    http::JsonIn in(body);
    int64_t parentId = in.integer("parentId", 1, INT64_MAX);
    NodeInput n = parseInput(in, true);
    in.done();
    return Response::created(toJson(createChild(c.sql, c.user(), c.actor(), parentId, n)));
  });

  routes.put("/api/v1/region/nodes/:id(\\d+)", "region:node:update", [](Ctx& c) {
    auto body = c.body();
    http::JsonIn in(body);
    NodeInput n = parseInput(in, false);
    in.done();
    return Response::ok(toJson(update(c.sql, c.user(), c.actor(), c.id(), n)));
  });

  routes.post("/api/v1/region/nodes/:id(\\d+)/status", "region:node:status", [](Ctx& c) {
    auto body = c.body();
    http::JsonIn in(body);
    bool on = in.boolean("enabled");
    in.done();
    return Response::ok(toJson(setEnabled(c.sql, c.user(), c.actor(), c.id(), on)));
  });

  routes.post("/api/v1/region/nodes/:id(\\d+)/move", "region:node:move", [](Ctx& c) {
    auto body = c.body();
    http::JsonIn in(body);
    int64_t parentId = in.integer("parentId", 1, INT64_MAX);
    in.done();
    return Response::ok(toJson(move(c.sql, c.user(), c.actor(), c.id(), parentId)));
  });

  routes.get("/api/v1/region/summary", http::kSignedIn, [](Ctx& c) {
    const auto& u = c.user();
    auto counts = repo::counts(c.sql, u.regionPath);
    auto self = repo::byId(c.sql, u.regionId);
    return Response::ok({{"districts", counts.districts},
                         {"streets", counts.streets},
                         {"grids", counts.grids},
                         {"users", counts.users},
                         {"population", self ? self->population : 0},
                         {"regionName", self ? self->name : ""}});
  });
}

}  // namespace fy::region
