// 用户管理: accounts within the signed-in account's region subtree (SPEC X2).
#include "app/context.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "common/idnumber.h"
#include "db/soci.h"
#include "http/api.h"
#include "http/json_in.h"
#include "modules/audit/service.h"
#include "modules/iam/internal.h"
#include "modules/iam/service.h"
#include "modules/region/service.h"

namespace fy::iam {

namespace {

using http::Ctx;
using http::Response;

repo::User userInScope(Ctx& c, int64_t id) {
  auto u = repo::userById(c.sql, id);
  if (!u || !c.user().inScope(u->regionPath)) throw Problem::notFound("user " + std::to_string(id));
  return *u;
}

// Accounts manage others, never themselves (that would be self-escalation), and only
// accounts holding no permission they lack: resetting the password or phone of a stronger
// account would be a takeover of its rights.
repo::User manageableUser(Ctx& c, int64_t id) {
  if (id == c.user().userId)
    throw Problem::forbidden("own_account", "an account cannot do this to itself");
  auto u = userInScope(c, id);
  for (const auto& code : repo::permissionsOfUser(c.sql, u.id))
    if (!c.user().has(code))
      throw Problem::forbidden("account_exceeds_own",
                               "this account holds " + code + ", which you do not hold yourself");
  return u;
}

nlohmann::json withRoles(Ctx& c, const repo::User& u) {
  auto roles = repo::rolesOfUsers(c.sql, {u.id});
  return userJson(u, roles[u.id]);
}

void audited(Ctx& c, const std::string& action, const repo::User& before, const repo::User& after,
             const std::string& summary) {
  audit::record(c.sql, c.actor(),
                {action, "iam_user", after.id, after.regionPath, summary, withRoles(c, before),
                 withRoles(c, after)});
}

std::string parsePhone(http::JsonIn& in) {
  std::string phone = in.optStr("phone", {.max = 20}).value_or("");
  if (!phone.empty() && !idnum::isValidMobile(phone))
    in.fail("phone", "invalid", "must be an 11-digit mainland mobile number");
  return phone;
}

std::string parseEmail(http::JsonIn& in) {
  std::string email = in.optStr("email", {.max = 100}).value_or("");
  auto at = email.find('@');
  if (!email.empty() &&
      (at == std::string::npos || at == 0 || email.find('.', at) == std::string::npos))
    in.fail("email", "invalid", "must be an e-mail address");
  return email;
}

bool validUsername(const std::string& s) {
  for (unsigned char ch : s)
    if (ch < 0x20 || ch == ' ' || ch == 0x7f || ch == '/' || ch == '\\') return false;
  return true;
}

void ensurePhoneFree(Ctx& c, const std::string& phone, int64_t exceptId) {
  if (!phone.empty() && repo::phoneTaken(c.sql, c.app.vault.blindIndex(phone), exceptId))
    throw Problem(409, "phone_taken", "another account uses this phone number",
                  {{"phone", "taken", "another account uses this phone number"}});
}

Response list(Ctx& c) {
  auto page = c.page();
  repo::UserFilter f;
  f.scopePath = c.user().regionPath;
  if (auto rid = c.queryInt("regionId"))
    f.scopePath = region::findInScope(c.sql, c.user(), *rid).path;
  f.keyword = c.query("keyword");
  f.enabled = c.queryBool("enabled");
  f.offset = page.offset();
  f.limit = page.size;
  auto [users, total] = repo::listUsers(c.sql, f);
  std::vector<int64_t> ids;
  for (const auto& u : users) ids.push_back(u.id);
  auto roles = repo::rolesOfUsers(c.sql, ids);
  nlohmann::json items = nlohmann::json::array();
  for (const auto& u : users) items.push_back(userJson(u, roles[u.id]));
  return Response::ok({{"items", items}, {"total", total}});
}

Response create(Ctx& c) {
  auto body = c.body();
  http::JsonIn in(body);
  NewAccount a;
  a.username = in.str("username", {.max = 50});
  if (!a.username.empty() && !validUsername(a.username))
    in.fail("username", "invalid", "must not contain spaces, slashes or control characters");
  a.nickname = in.optStr("nickname", {.max = 50}).value_or("");
  a.phone = parsePhone(in);
  a.email = parseEmail(in);
  a.regionId = in.integer("regionId", 1, INT64_MAX);
  a.roleIds = in.has("roleIds") ? in.ids("roleIds", 20) : std::vector<int64_t>{};
  a.password = in.str("password", {.max = 64});
  if (auto p = passwordProblem(a.password); p && !a.password.empty())
    in.fail("password", "weak", *p);
  in.done();
  auto node = region::find(c.sql, a.regionId);
  if (!node || !c.user().inScope(node->path))
    throw Problem::invalidField("regionId", "not_found", "the region does not exist");
  ensureGrantable(c.sql, c.user(), a.roleIds);
  if (repo::usernameTaken(c.sql, a.username))
    throw Problem(409, "username_taken", "this username is taken",
                  {{"username", "taken", "is taken"}});
  ensurePhoneFree(c, a.phone, 0);
  int64_t id = createAccountUnchecked(c.sql, c.app, c.actor(), a);
  return Response::created(withRoles(c, *repo::userById(c.sql, id)));
}

Response update(Ctx& c) {
  auto body = c.body();
  http::JsonIn in(body);
  std::string nickname = in.optStr("nickname", {.max = 50}).value_or("");
  std::string phone = parsePhone(in);
  std::string email = parseEmail(in);
  bool phoneGiven = in.has("phone");
  in.done();
  auto before = c.id() == c.user().userId ? userInScope(c, c.id()) : manageableUser(c, c.id());
  auto u = before;
  u.nickname = nickname;
  u.email = email;
  if (phoneGiven) {
    ensurePhoneFree(c, phone, u.id);
    setPhone(c.app, u, phone);
  }
  u.updatedAt = Clock::nowMs();
  repo::saveUser(c.sql, u);
  audited(c, "update", before, u, "修改用户 " + u.username);
  return Response::ok(withRoles(c, u));
}

Response remove(Ctx& c) {
  auto u = manageableUser(c, c.id());
  auto before = withRoles(c, u);
  repo::deleteUser(c.sql, u.id);
  audit::record(
      c.sql, c.actor(),
      {"delete", "iam_user", u.id, u.regionPath, "删除用户 " + u.username, before, nullptr});
  return Response::noContent();
}

Response setStatus(Ctx& c) {
  auto body = c.body();
  http::JsonIn in(body);
  bool on = in.boolean("enabled");
  in.done();
  auto before = manageableUser(c, c.id());
  auto u = before;
  u.enabled = on;
  u.updatedAt = Clock::nowMs();
  repo::saveUser(c.sql, u);
  if (!on) repo::deleteSessionsOf(c.sql, u.id, 0);
  audited(c, "status", before, u, std::string(on ? "启用" : "停用") + "用户 " + u.username);
  return Response::ok(withRoles(c, u));
}

Response resetPassword(Ctx& c) {
  auto body = c.body();
  http::JsonIn in(body);
  std::string pw = in.str("password", {.max = 64});
  if (auto p = passwordProblem(pw); p && !pw.empty()) in.fail("password", "weak", *p);
  in.done();
  auto u = manageableUser(c, c.id());
  u.passwordHash = crypto::hashPassword(pw);
  u.mustChangePassword = true;
  u.failedLogins = 0;
  u.updatedAt = Clock::nowMs();
  repo::saveUser(c.sql, u);
  repo::deleteSessionsOf(c.sql, u.id, 0);
  audit::record(c.sql, c.actor(),
                {"reset_password", "iam_user", u.id, u.regionPath, "重置密码 " + u.username,
                 nullptr, nullptr});
  return Response::noContent();
}

Response grant(Ctx& c) {
  auto body = c.body();
  http::JsonIn in(body);
  auto roleIds = in.ids("roleIds", 20);
  in.done();
  auto u = manageableUser(c, c.id());
  auto before = withRoles(c, u);
  ensureGrantable(c.sql, c.user(), roleIds);
  repo::setUserRoles(c.sql, u.id, roleIds);
  auto after = withRoles(c, u);
  audit::record(c.sql, c.actor(),
                {"grant", "iam_user", u.id, u.regionPath, "授权用户 " + u.username, before, after});
  return Response::ok(after);
}

Response moveUser(Ctx& c) {
  auto body = c.body();
  http::JsonIn in(body);
  int64_t regionId = in.integer("regionId", 1, INT64_MAX);
  in.done();
  auto before = manageableUser(c, c.id());
  auto node = region::find(c.sql, regionId);
  if (!node || !c.user().inScope(node->path))
    throw Problem::invalidField("regionId", "not_found", "the region does not exist");
  auto u = before;
  u.regionId = node->id;
  u.updatedAt = Clock::nowMs();
  repo::saveUser(c.sql, u);
  auto after = *repo::userById(c.sql, u.id);
  audited(c, "move", before, after, "移动用户 " + u.username + " 到 " + node->name);
  return Response::ok(withRoles(c, after));
}

Response reveal(Ctx& c) {
  auto u = userInScope(c, c.id());
  std::string phone = u.phoneEnc.empty() ? "" : c.app.vault.open(u.phoneEnc);
  audit::record(
      c.sql, c.actor(),
      {"reveal", "iam_user", u.id, u.regionPath, "查看手机号 " + u.username, nullptr, nullptr});
  return Response::ok({{"phone", phone}});
}

}  // namespace

void registerUserRoutes(http::Routes& routes) {
  routes.get("/api/v1/iam/users", "iam:user:list", list);
  routes.get("/api/v1/iam/users/:id(\\d+)", "iam:user:list",
             [](Ctx& c) { return Response::ok(withRoles(c, userInScope(c, c.id()))); });
  routes.post("/api/v1/iam/users", "iam:user:create", create);
  routes.put("/api/v1/iam/users/:id(\\d+)", "iam:user:update", update);
  routes.del("/api/v1/iam/users/:id(\\d+)", "iam:user:delete", remove);
  routes.post("/api/v1/iam/users/:id(\\d+)/status", "iam:user:status", setStatus);
  routes.post("/api/v1/iam/users/:id(\\d+)/reset-password", "iam:user:reset-password",
              resetPassword);
  routes.put("/api/v1/iam/users/:id(\\d+)/roles", "iam:user:grant", grant);
  routes.post("/api/v1/iam/users/:id(\\d+)/move", "iam:user:move", moveUser);
  // Reveal writes an audit row, so it goes through the writer.
  routes.post("/api/v1/iam/users/:id(\\d+)/reveal", "pii:phone:reveal", reveal);
}

}  // namespace fy::iam
