#include "modules/iam/service.h"

#include "app/context.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "common/idnumber.h"
#include "common/problem.h"
#include "db/soci.h"
#include "modules/audit/service.h"
#include "modules/iam/catalog.h"
#include "modules/iam/internal.h"

namespace fy::iam {

std::vector<std::string> allPermissionCodes() {
  std::vector<std::string> out;
  for (const auto& g : catalog())
    for (const auto& m : g.menus) {
      out.push_back(m.code);
      for (const auto& b : m.buttons) out.push_back(b.code);
    }
  return out;
}

std::optional<std::string> passwordProblem(const std::string& pw) {
  if (pw.size() < 8 || pw.size() > 64) return "must have 8 to 64 characters";
  bool letter = false, digit = false;
  for (unsigned char c : pw) {
    letter |= std::isalpha(c) != 0;
    digit |= std::isdigit(c) != 0;
  }
  if (!letter || !digit) return "must contain letters and digits";
  return std::nullopt;
}

std::optional<Principal> authenticate(soci::session& sql, const std::string& token) {
  if (token.size() > 100) return std::nullopt;
  auto s = repo::sessionByHash(sql, crypto::tokenHash(token));
  if (!s || s->expiresAt < Clock::nowMs()) return std::nullopt;
  auto u = repo::userById(sql, s->userId);
  if (!u || !u->enabled) return std::nullopt;
  Principal p;
  p.userId = u->id;
  p.sessionId = s->id;
  p.username = u->username;
  p.nickname = u->nickname;
  p.regionId = u->regionId;
  p.regionPath = u->regionPath;
  p.regionLevel = u->regionLevel;
  p.mustChangePassword = u->mustChangePassword;
  p.csrfToken = s->csrf;
  p.permissions = repo::permissionsOfUser(sql, u->id);
  return p;
}

int64_t builtinAdminRoleId(soci::session& sql) {
  auto r = repo::roleByCode(sql, "super_admin");
  return r ? r->id : 0;
}

void syncBuiltins(soci::session& sql) {
  auto role = repo::roleByCode(sql, "super_admin");
  if (role) repo::setRolePermissions(sql, role->id, allPermissionCodes());
}

int64_t createRoleUnchecked(soci::session& sql, const Actor& actor, const std::string& name,
                            const std::string& code, int64_t regionId,
                            const std::vector<std::string>& permissions) {
  repo::Role r;
  r.name = name;
  r.code = code;
  r.regionId = regionId;
  r.builtin = code == "super_admin";
  r.createdAt = r.updatedAt = Clock::nowMs();
  r.id = repo::insertRole(sql, r);
  repo::setRolePermissions(sql, r.id, permissions);
  auto saved = *repo::roleById(sql, r.id);
  audit::record(sql, actor,
                {"create", "iam_role", r.id, saved.regionPath, "新增角色 " + name, nullptr,
                 roleJson(saved, permissions)});
  return r.id;
}

int64_t createAccountUnchecked(soci::session& sql, AppContext& app, const Actor& actor,
                               const NewAccount& a) {
  if (repo::usernameTaken(sql, a.username))
    throw Problem::conflict("username_taken", "username " + a.username + " is taken");
  repo::User u;
  u.username = a.username;
  u.nickname = a.nickname;
  u.email = a.email;
  u.regionId = a.regionId;
  setPhone(app, u, a.phone);
  u.passwordHash = crypto::hashPassword(a.password);
  u.mustChangePassword = a.mustChangePassword;
  u.createdAt = u.updatedAt = Clock::nowMs();
  u.id = repo::insertUser(sql, u);
  repo::setUserRoles(sql, u.id, a.roleIds);
  auto saved = *repo::userById(sql, u.id);
  auto roles = repo::rolesOfUsers(sql, {u.id});
  audit::record(sql, actor,
                {"create", "iam_user", u.id, saved.regionPath, "新增用户 " + u.username, nullptr,
                 userJson(saved, roles[u.id])});
  return u.id;
}

nlohmann::json userJson(const repo::User& u, const std::vector<repo::RoleRef>& roles) {
  nlohmann::json rs = nlohmann::json::array();
  for (const auto& r : roles) rs.push_back({{"id", r.id}, {"name", r.name}});
  return {{"id", u.id},
          {"username", u.username},
          {"nickname", u.nickname},
          {"phone", u.phoneMask},
          {"email", u.email},
          {"regionId", u.regionId},
          {"regionName", u.regionName},
          {"roles", rs},
          {"enabled", u.enabled},
          {"mustChangePassword", u.mustChangePassword},
          {"createdAt", u.createdAt},
          {"updatedAt", u.updatedAt}};
}

nlohmann::json roleJson(const repo::Role& r, const std::vector<std::string>& perms) {
  return {{"id", r.id},           {"name", r.name},         {"code", r.code},
          {"remark", r.remark},   {"regionId", r.regionId}, {"enabled", r.enabled},
          {"builtin", r.builtin}, {"permissions", perms},   {"createdAt", r.createdAt}};
}

void setPhone(AppContext& app, repo::User& u, const std::string& phone) {
  if (phone.empty()) {
    u.phoneEnc = u.phoneHash = u.phoneMask = "";
    return;
  }
  u.phoneEnc = app.vault.seal(phone);
  u.phoneHash = app.vault.blindIndex(phone);
  u.phoneMask = idnum::maskPhone(phone);
}

void ensureGrantable(soci::session& sql, const Principal& p, const std::vector<int64_t>& roleIds) {
  auto perms = repo::permissionsOfRoles(sql, roleIds);
  for (auto id : roleIds) {
    auto r = repo::roleById(sql, id);
    bool visible = r && (p.inScope(r->regionPath) || p.regionPath.rfind(r->regionPath, 0) == 0);
    if (!visible)
      throw Problem::invalidField("roleIds", "not_found",
                                  "role " + std::to_string(id) + " does not exist");
    for (const auto& code : perms[id])
      if (!p.has(code))
        throw Problem(
            403, "grant_exceeds_own",
            "role " + r->name + " holds " + code + ", which you do not hold yourself",
            {{"roleIds", "grant_exceeds_own", "role " + r->name + " holds more than you do"}});
  }
}

void registerRoutes(http::Routes& routes) {
  registerAuthRoutes(routes);
  registerUserRoutes(routes);
  registerRoleRoutes(routes);
}

}  // namespace fy::iam
