// 角色管理: roles with menu and button permissions (SPEC X3).
#include <algorithm>
#include <regex>

#include "common/clock.h"
#include "db/soci.h"
#include "http/api.h"
#include "http/json_in.h"
#include "modules/audit/service.h"
#include "modules/iam/catalog.h"
#include "modules/iam/internal.h"
#include "modules/iam/service.h"

namespace fy::iam {

namespace {

using http::Ctx;
using http::Response;

// A role is changed only by accounts whose subtree owns it; built-in roles never.
repo::Role ownedRole(Ctx& c, int64_t id) {
  auto r = repo::roleById(c.sql, id);
  if (!r || !c.user().inScope(r->regionPath)) throw Problem::notFound("role " + std::to_string(id));
  if (r->builtin) throw Problem::forbidden("builtin_role", "built-in roles cannot be changed");
  return *r;
}

nlohmann::json full(Ctx& c, const repo::Role& r) {
  auto perms = repo::permissionsOfRoles(c.sql, {r.id});
  return roleJson(r, perms[r.id]);
}

std::vector<std::string> parsePermissions(Ctx& c, http::JsonIn& in) {
  auto codes = in.strings("permissions", 500);
  for (const auto& code : codes) {
    if (!isKnownPermission(code)) {
      in.fail("permissions", "unknown", "unknown permission " + code);
      break;
    }
    if (!c.user().has(code)) {
      in.fail("permissions", "grant_exceeds_own", "you do not hold " + code + " yourself");
      break;
    }
  }
  std::sort(codes.begin(), codes.end());
  codes.erase(std::unique(codes.begin(), codes.end()), codes.end());
  return codes;
}

Response list(Ctx& c) {
  auto page = c.page();
  repo::RoleFilter f;
  f.scopePath = c.user().regionPath;
  f.keyword = c.query("keyword");
  f.offset = page.offset();
  f.limit = page.size;
  auto [roles, total] = repo::listRoles(c.sql, f);
  std::vector<int64_t> ids;
  for (const auto& r : roles) ids.push_back(r.id);
  auto perms = repo::permissionsOfRoles(c.sql, ids);
  nlohmann::json items = nlohmann::json::array();
  for (const auto& r : roles) {
    auto j = roleJson(r, perms[r.id]);
    j["editable"] = !r.builtin && c.user().inScope(r.regionPath);
    items.push_back(j);
  }
  return Response::ok({{"items", items}, {"total", total}});
}

Response create(Ctx& c) {
  auto body = c.body();
  http::JsonIn in(body);
  std::string name = in.str("name", {.max = 30});
  std::string code = in.str("code", {.max = 30});
  static const std::regex codeRe("^[a-z][a-z0-9_]*$");
  if (!code.empty() && !std::regex_match(code, codeRe))
    in.fail("code", "invalid", "lower-case letters, digits and _ only, starting with a letter");
  std::string remark = in.optStr("remark", {.max = 255}).value_or("");
  std::vector<std::string> perms =
      in.has("permissions") ? parsePermissions(c, in) : std::vector<std::string>{};
  in.done();
  if (repo::roleNameOrCodeTaken(c.sql, name, code, 0))
    throw Problem(409, "role_taken", "a role with this name or code exists",
                  {{"name", "taken", "a role with this name or code exists"}});
  repo::Role r;
  r.name = name;
  r.code = code;
  r.remark = remark;
  r.regionId = c.user().regionId;
  r.createdAt = r.updatedAt = Clock::nowMs();
  r.id = repo::insertRole(c.sql, r);
  repo::setRolePermissions(c.sql, r.id, perms);
  auto saved = *repo::roleById(c.sql, r.id);
  audit::record(
      c.sql, c.actor(),
      {"create", "iam_role", r.id, saved.regionPath, "新增角色 " + name, nullptr, full(c, saved)});
  return Response::created(full(c, saved));
}

Response update(Ctx& c) {
  auto body = c.body();
  http::JsonIn in(body);
  std::string name = in.str("name", {.max = 30});
  std::string remark = in.optStr("remark", {.max = 255}).value_or("");
  in.done();
  auto before = ownedRole(c, c.id());
  if (repo::roleNameOrCodeTaken(c.sql, name, before.code, before.id))
    throw Problem(409, "role_taken", "a role with this name exists",
                  {{"name", "taken", "a role with this name exists"}});
  auto r = before;
  r.name = name;
  r.remark = remark;
  r.updatedAt = Clock::nowMs();
  repo::saveRole(c.sql, r);
  audit::record(
      c.sql, c.actor(),
      {"update", "iam_role", r.id, r.regionPath, "修改角色 " + name, full(c, before), full(c, r)});
  return Response::ok(full(c, r));
}

Response remove(Ctx& c) {
  auto r = ownedRole(c, c.id());
  if (long long n = repo::usersOfRole(c.sql, r.id); n > 0)
    throw Problem::conflict("role_in_use", std::to_string(n) + " accounts still hold this role");
  auto before = full(c, r);
  repo::deleteRole(c.sql, r.id);
  audit::record(c.sql, c.actor(),
                {"delete", "iam_role", r.id, r.regionPath, "删除角色 " + r.name, before, nullptr});
  return Response::noContent();
}

Response setStatus(Ctx& c) {
  auto body = c.body();
  http::JsonIn in(body);
  bool on = in.boolean("enabled");
  in.done();
  auto before = ownedRole(c, c.id());
  auto r = before;
  r.enabled = on;
  r.updatedAt = Clock::nowMs();
  repo::saveRole(c.sql, r);
  audit::record(c.sql, c.actor(),
                {"status",
                 "iam_role",
                 r.id,
                 r.regionPath,
                 std::string(on ? "启用" : "停用") + "角色 " + r.name,
                 {{"enabled", before.enabled}},
                 {{"enabled", on}}});
  return Response::ok(full(c, r));
}

Response grant(Ctx& c) {
  auto body = c.body();
  http::JsonIn in(body);
  auto perms = parsePermissions(c, in);
  in.done();
  auto r = ownedRole(c, c.id());
  auto before = full(c, r);
  repo::setRolePermissions(c.sql, r.id, perms);
  auto after = full(c, r);
  audit::record(c.sql, c.actor(),
                {"grant", "iam_role", r.id, r.regionPath, "角色授权 " + r.name, before, after});
  return Response::ok(after);
}

}  // namespace

void registerRoleRoutes(http::Routes& routes) {
  routes.get("/api/v1/iam/roles", "iam:role:list", list);
  routes.get("/api/v1/iam/roles/:id(\\d+)", "iam:role:list", [](Ctx& c) {
    auto r = repo::roleById(c.sql, c.id());
    const auto& p = c.user();
    if (!r || !(p.inScope(r->regionPath) || p.regionPath.rfind(r->regionPath, 0) == 0))
      throw Problem::notFound("role");
    return Response::ok(full(c, *r));
  });
  routes.post("/api/v1/iam/roles", "iam:role:create", create);
  routes.put("/api/v1/iam/roles/:id(\\d+)", "iam:role:update", update);
  routes.del("/api/v1/iam/roles/:id(\\d+)", "iam:role:delete", remove);
  routes.post("/api/v1/iam/roles/:id(\\d+)/status", "iam:role:status", setStatus);
  routes.put("/api/v1/iam/roles/:id(\\d+)/permissions", "iam:role:grant", grant);
}

}  // namespace fy::iam
