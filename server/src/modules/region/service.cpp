#include "modules/region/service.h"

#include "common/clock.h"
#include "common/crypto.h"
#include "common/problem.h"
#include "modules/audit/service.h"
#include "modules/region/repo.h"

namespace fy::region {

nlohmann::json toJson(const Node& n) {
  return {{"id", n.id},
          {"parentId", n.parentId ? nlohmann::json(n.parentId) : nlohmann::json()},
          {"name", n.name},
          {"level", n.level},
          {"kind", n.kind.empty() ? nlohmann::json() : nlohmann::json(n.kind)},
          {"population", n.population},
          {"sortOrder", n.sortOrder},
          {"enabled", n.enabled},
          {"path", n.path},
          {"linkToken", n.linkToken.empty() ? nlohmann::json() : nlohmann::json(n.linkToken)},
          {"createdAt", n.createdAt},
          {"updatedAt", n.updatedAt}};
}

std::optional<Node> find(soci::session& sql, int64_t id) { return repo::byId(sql, id); }

namespace {
std::vector<MoveListener>& moveListeners() {
  static std::vector<MoveListener> all;  // filled once at start-up, before any request
  return all;
}
}  // namespace

void onMove(MoveListener listener) { moveListeners().push_back(std::move(listener)); }

std::vector<Node> subtree(soci::session& sql, const std::string& path) {
  return repo::subtree(sql, path);
}

std::optional<Node> byLinkToken(soci::session& sql, const std::string& token) {
  return repo::byLinkToken(sql, token);
}

Node findInScope(soci::session& sql, const Principal& p, int64_t id) {
  auto n = repo::byId(sql, id);
  if (!n || !p.inScope(n->path)) throw Problem::notFound("region " + std::to_string(id));
  return *n;
}

namespace {

void validate(const NodeInput& in, int level) {
  if (level == kGrid && in.kind != "community" && in.kind != "village")
    throw Problem::invalidField("kind", "invalid", "a grid is a community or a village");
  if (level != kGrid && !in.kind.empty())
    throw Problem::invalidField("kind", "not_allowed", "only grids have a kind");
}

void ensureNameFree(soci::session& sql, int64_t parentId, const std::string& name,
                    int64_t exceptId) {
  if (parentId && repo::siblingNameTaken(sql, parentId, name, exceptId))
    throw Problem(409, "name_taken", "a sibling region already has this name",
                  {{"name", "taken", "a sibling region already has this name"}});
}

Node insertNode(soci::session& sql, const Actor& actor, const Node* parent, const NodeInput& in) {
  Node n;
  n.parentId = parent ? parent->id : 0;
  n.level = parent ? parent->level + 1 : kCity;
  validate(in, n.level);
  ensureNameFree(sql, n.parentId, in.name, 0);
  n.name = in.name;
  n.kind = in.kind;
  n.population = in.population;
  n.sortOrder = in.sortOrder;
  n.enabled = in.enabled;
  n.path = parent ? parent->path : "/";
  if (n.level == kDistrict || n.level == kStreet) n.linkToken = crypto::randomToken(16);
  n.createdAt = n.updatedAt = Clock::nowMs();
  n.id = repo::insert(sql, n);
  Node saved = *repo::byId(sql, n.id);
  audit::record(sql, actor,
                {"create", "region_node", saved.id, saved.path, "新增地区 " + saved.name, nullptr,
                 toJson(saved)});
  return saved;
}

// Accounts may reshape what lies below their own node, never the node itself.
Node strictlyBelow(soci::session& sql, const Principal& p, int64_t id) {
  Node n = findInScope(sql, p, id);
  if (n.id == p.regionId)
    throw Problem::forbidden("own_region", "an account cannot change its own region node this way");
  return n;
}

}  // namespace

Node createRoot(soci::session& sql, const Actor& actor, const NodeInput& in) {
  return insertNode(sql, actor, nullptr, in);
}

Node createChild(soci::session& sql, const Principal& p, const Actor& actor, int64_t parentId,
                 const NodeInput& in) {
  Node parent = findInScope(sql, p, parentId);
  if (parent.level >= kGrid)
    throw Problem::invalidField("parentId", "is_grid", "a grid cannot have child regions");
  return insertNode(sql, actor, &parent, in);
}

Node update(soci::session& sql, const Principal& p, const Actor& actor, int64_t id,
            const NodeInput& in) {
  Node before = findInScope(sql, p, id);
  validate(in, before.level);
  ensureNameFree(sql, before.parentId, in.name, id);
  Node n = before;
  n.name = in.name;
  n.population = in.population;
  n.sortOrder = in.sortOrder;
  n.kind = in.kind;
  n.updatedAt = Clock::nowMs();
  repo::update(sql, n);
  audit::record(
      sql, actor,
      {"update", "region_node", id, n.path, "修改地区 " + n.name, toJson(before), toJson(n)});
  return n;
}

Node setEnabled(soci::session& sql, const Principal& p, const Actor& actor, int64_t id, bool on) {
  Node before = strictlyBelow(sql, p, id);
  Node n = before;
  n.enabled = on;
  n.updatedAt = Clock::nowMs();
  repo::update(sql, n);
  audit::record(sql, actor,
                {"status",
                 "region_node",
                 id,
                 n.path,
                 std::string(on ? "启用" : "停用") + "地区 " + n.name,
                 {{"enabled", before.enabled}},
                 {{"enabled", on}}});
  return n;
}

Node move(soci::session& sql, const Principal& p, const Actor& actor, int64_t id,
          int64_t newParentId) {
  Node n = strictlyBelow(sql, p, id);
  auto target = repo::byId(sql, newParentId);
  if (!target || !p.inScope(target->path))
    throw Problem::invalidField("parentId", "not_found", "the new parent region does not exist");
  if (target->level != n.level - 1)
    throw Problem::invalidField("parentId", "wrong_level",
                                "the new parent must be one level above the region moved");
  if (target->id == n.parentId) return n;
  ensureNameFree(sql, target->id, n.name, n.id);
  std::string newPath = target->path + std::to_string(n.id) + "/";
  repo::movePaths(sql, n.id, target->id, n.path, newPath, Clock::nowMs());
  for (const auto& l : moveListeners()) l(sql, n.id, n.path, newPath);
  Node after = *repo::byId(sql, id);
  audit::record(sql, actor,
                {"move",
                 "region_node",
                 id,
                 after.path,
                 "移动地区 " + n.name,
                 {{"parentId", n.parentId}, {"path", n.path}},
                 {{"parentId", after.parentId}, {"path", after.path}}});
  return after;
}

}  // namespace fy::region
