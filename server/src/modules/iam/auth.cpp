// Sign-in, captcha, SMS codes, password changes and the login log (SPEC X4).
#include "app/context.h"
#include "common/captcha.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "common/idnumber.h"
#include "db/soci.h"
#include "http/api.h"
#include "http/json_in.h"
#include "modules/audit/service.h"
#include "modules/iam/catalog.h"
#include "modules/iam/internal.h"
#include "modules/iam/service.h"
#include "modules/notify/service.h"

namespace fy::iam {

namespace {

using http::Ctx;
using http::Response;

constexpr int64_t kCaptchaTtlMs = 5 * 60 * 1000;
constexpr int64_t kSmsTtlMs = 5 * 60 * 1000;
constexpr int64_t kSmsResendMs = 60 * 1000;
constexpr int kSmsMaxAttempts = 5;

bool captchaOk(Ctx& c, const std::string& id, const std::string& answer) {
  return spendCaptcha(c.sql, c.app, id, answer);
}

// A value, not a throw: the spent captcha's deletion must commit, or it could be retried.
Response captchaRefused(Ctx& c) {
  return Response::problem(Problem(400, "captcha_invalid", "the captcha answer is wrong or expired",
                                   {{"captcha", "invalid", "wrong or expired; load a new image"}}),
                           c.req.requestId);
}

std::optional<repo::User> findAccount(Ctx& c, const std::string& name) {
  if (idnum::isValidMobile(name)) {
    if (auto u = repo::userByPhoneHash(c.sql, c.app.vault.blindIndex(name))) return u;
  }
  return repo::userByUsername(c.sql, name);
}

bool smsCodeOk(Ctx& c, int64_t userId, const std::string& purpose, const std::string& code) {
  auto sc = repo::latestSmsCode(c.sql, userId, purpose);
  if (!sc || sc->used || sc->expiresAt < Clock::nowMs() || sc->attempts >= kSmsMaxAttempts)
    return false;
  bool ok = crypto::tokenHash(code) == sc->hash;
  repo::markSmsCode(c.sql, sc->id, sc->attempts + 1, ok);
  return ok;
}

// Login answers its refusals as values, not exceptions: the failed-attempt counter and the
// login log must be committed even though the sign-in is refused.
Response refuse(Ctx& c, const std::string& username, const repo::User* u, int status,
                const std::string& code, const std::string& detail) {
  std::string path = u ? u->regionPath : repo::rootPath(c.sql);
  // What was typed may be a phone number, or a password typed into the wrong field.
  std::string logged =
      u ? u->username
        : (idnum::isValidMobile(username) ? idnum::maskPhone(username) : idnum::mask(username));
  repo::insertLoginLog(c.sql, logged, u ? u->id : 0, c.req.ip, false, code, path, Clock::nowMs());
  return Response::problem(Problem(status, code, detail), c.req.requestId);
}

std::string sessionCookie(const std::string& token, int64_t maxAgeMs) {
  return "fy_session=" + token +
         "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(maxAgeMs / 1000);
}

nlohmann::json meJson(Ctx& c, const repo::User& u, const std::set<std::string>& perms,
                      const std::string& csrf) {
  nlohmann::json user = {{"id", u.id},
                         {"username", u.username},
                         {"nickname", u.nickname},
                         {"phone", u.phoneMask},
                         {"regionId", u.regionId},
                         {"regionName", u.regionName},
                         {"regionLevel", u.regionLevel},
                         {"mustChangePassword", u.mustChangePassword}};
  (void)c;
  return {{"user", user},
          {"permissions", std::vector<std::string>(perms.begin(), perms.end())},
          {"menus", menusFor(perms)},
          {"csrfToken", csrf},
          {"mustChangePassword", u.mustChangePassword}};
}

Response login(Ctx& c) {
  auto body = c.body();
  http::JsonIn in(body);
  std::string username = in.str("username", {.max = 64});
  std::string password = in.str("password", {.max = 128});
  std::string captchaId = in.optStr("captchaId", {.max = 100}).value_or("");
  std::string captchaAnswer = in.str("captcha", {.max = 10});
  auto smsCode = in.optStr("smsCode", {.max = 10});
  in.done();

  if (!captchaOk(c, captchaId, captchaAnswer)) return captchaRefused(c);

  auto u = findAccount(c, username);
  if (!u) {
    crypto::verifyPassword("$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$invalid", password);
    return refuse(c, username, nullptr, 401, "invalid_credentials", "wrong account or password");
  }
  if (u->failedLogins >= kFailuresBeforeSms) {
    if (!smsCode)
      return refuse(c, username, &*u, 401, "sms_code_required",
                    "too many wrong passwords: an SMS code is needed as well");
    if (!smsCodeOk(c, u->id, "login", *smsCode))
      return refuse(c, username, &*u, 401, "sms_code_invalid", "the SMS code is wrong or expired");
  }
  if (!crypto::verifyPassword(u->passwordHash, password)) {
    u->failedLogins++;
    u->updatedAt = Clock::nowMs();
    repo::saveUser(c.sql, *u);
    return refuse(
        c, username, &*u, 401,
        u->failedLogins >= kFailuresBeforeSms ? "sms_code_required" : "invalid_credentials",
        u->failedLogins >= kFailuresBeforeSms
            ? "too many wrong passwords: an SMS code is needed as well"
            : "wrong account or password");
  }
  if (!u->enabled)
    return refuse(c, username, &*u, 403, "account_disabled", "this account is disabled");
  u->failedLogins = 0;
  repo::saveUser(c.sql, *u);
  std::string token = crypto::randomToken();
  std::string csrf = crypto::randomToken(18);
  int64_t now = Clock::nowMs();
  repo::insertSession(c.sql, crypto::tokenHash(token), u->id, csrf, c.req.ip, now,
                      now + kSessionTtlMs);
  repo::insertLoginLog(c.sql, u->username, u->id, c.req.ip, true, "", u->regionPath, now);
  auto r = Response::ok(meJson(c, *u, repo::permissionsOfUser(c.sql, u->id), csrf));
  r.headers.push_back({"Set-Cookie", sessionCookie(token, kSessionTtlMs)});
  return r;
}

Response sendSmsCode(Ctx& c) {
  auto body = c.body();
  http::JsonIn in(body);
  std::string username = in.str("username", {.max = 64});
  std::string captchaId = in.optStr("captchaId", {.max = 100}).value_or("");
  std::string captchaAnswer = in.str("captcha", {.max = 10});
  std::string purpose = in.str("purpose", {.max = 10});
  if (in.ok() && purpose != "login" && purpose != "reset")
    in.fail("purpose", "invalid", "must be login or reset");
  in.done();
  if (!captchaOk(c, captchaId, captchaAnswer)) return captchaRefused(c);
  auto u = findAccount(c, username);
  // The same answer whether or not the account exists, so the route cannot list accounts.
  auto accepted = Response::json(202, {{"sent", true}});
  if (!u || !u->enabled || u->phoneEnc.empty()) return accepted;
  int64_t now = Clock::nowMs();
  // Within a minute of the last code nothing is sent, with the same answer as always, so the
  // route cannot tell which accounts exist.
  if (auto last = repo::latestSmsCode(c.sql, u->id, purpose);
      last && now - last->createdAt < kSmsResendMs)
    return accepted;
  std::string code = crypto::randomDigits(6);
  repo::insertSmsCode(c.sql, u->id, purpose, crypto::tokenHash(code), now, now + kSmsTtlMs);
  notify::enqueue(c.sql, c.app, c.app.vault.open(u->phoneEnc),
                  purpose == "login" ? "login_code" : "reset_code", {{"code", code}},
                  u->regionPath);
  return accepted;
}

Response forgotPassword(Ctx& c) {
  auto body = c.body();
  http::JsonIn in(body);
  std::string username = in.str("username", {.max = 64});
  std::string code = in.str("smsCode", {.max = 10});
  std::string pw = in.str("newPassword", {.max = 64});
  if (auto p = passwordProblem(pw); p && !pw.empty()) in.fail("newPassword", "weak", *p);
  in.done();
  auto u = findAccount(c, username);
  if (!u || !smsCodeOk(c, u->id, "reset", code))
    return Response::problem(Problem(400, "sms_code_invalid", "the SMS code is wrong or expired",
                                     {{"smsCode", "invalid", "wrong or expired"}}),
                             c.req.requestId);
  u->passwordHash = crypto::hashPassword(pw);
  u->failedLogins = 0;
  u->mustChangePassword = false;
  u->updatedAt = Clock::nowMs();
  repo::saveUser(c.sql, *u);
  repo::deleteSessionsOf(c.sql, u->id, 0);
  Actor a = c.actor();
  a.id = u->id;
  a.name = u->username;
  audit::record(
      c.sql, a,
      {"reset_password", "iam_user", u->id, u->regionPath, "短信找回密码", nullptr, nullptr});
  return Response::noContent();
}

Response changePassword(Ctx& c) {
  auto body = c.body();
  http::JsonIn in(body);
  std::string oldPw = in.str("oldPassword", {.max = 128});
  std::string pw = in.str("newPassword", {.max = 64});
  if (auto p = passwordProblem(pw); p && !pw.empty()) in.fail("newPassword", "weak", *p);
  if (!pw.empty() && pw == oldPw)
    in.fail("newPassword", "unchanged", "must differ from the old password");
  in.done();
  const auto& me = c.user();
  auto u = repo::userById(c.sql, me.userId);
  if (!u || !crypto::verifyPassword(u->passwordHash, oldPw))
    throw Problem(400, "wrong_password", "the old password is wrong",
                  {{"oldPassword", "wrong", "the old password is wrong"}});
  u->passwordHash = crypto::hashPassword(pw);
  u->mustChangePassword = false;
  u->updatedAt = Clock::nowMs();
  repo::saveUser(c.sql, *u);
  repo::deleteSessionsOf(c.sql, u->id, me.sessionId);
  audit::record(
      c.sql, c.actor(),
      {"change_password", "iam_user", u->id, u->regionPath, "修改密码", nullptr, nullptr});
  return Response::noContent();
}

}  // namespace

bool spendCaptcha(soci::session& sql, const AppContext& app, const std::string& id,
                  const std::string& answer) {
  if (app.testMode && answer == "test") return true;
  auto expected = repo::takeCaptcha(sql, id, Clock::nowMs());
  return expected && captcha::matches(*expected, answer);
}

void registerAuthRoutes(http::Routes& routes) {
  routes.add({"GET", "/api/v1/auth/captcha", http::kPublic, http::Kind::Write, [](Ctx& c) {
                int64_t now = Clock::nowMs();
                // Expired images are swept now and then rather than by a timer thread.
                if (now % 20 == 0) repo::purgeCaptchas(c.sql, now);
                auto ch = captcha::generate(4);
                std::string id = crypto::randomToken(18);
                repo::insertCaptcha(c.sql, id, ch.answer, now + kCaptchaTtlMs);
                return Response::ok({{"captchaId", id}, {"image", captcha::toDataUrl(ch.svg)}});
              }});
  routes.post("/api/v1/auth/login", http::kPublic, login);
  routes.post("/api/v1/auth/sms-code", http::kPublic, sendSmsCode);
  routes.post("/api/v1/auth/password/forgot", http::kPublic, forgotPassword);
  routes.add({"POST", "/api/v1/auth/password", http::kSignedIn, http::Kind::Write, changePassword})
      .beforePasswordChange = true;
  routes
      .add({"POST", "/api/v1/auth/logout", http::kSignedIn, http::Kind::Write,
            [](Ctx& c) {
              repo::deleteSession(c.sql, c.user().sessionId);
              auto r = Response::noContent();
              r.headers.push_back({"Set-Cookie", sessionCookie("", 0)});
              return r;
            }})
      .beforePasswordChange = true;
  routes
      .add({"GET", "/api/v1/auth/me", http::kSignedIn, http::Kind::Read,
            [](Ctx& c) {
              auto u = repo::userById(c.sql, c.user().userId);
              if (!u) throw Problem(401, "unauthenticated", "sign in first");
              return Response::ok(meJson(c, *u, c.user().permissions, c.user().csrfToken));
            }})
      .beforePasswordChange = true;
  routes.get("/api/v1/iam/permissions", http::kSignedIn, [](Ctx&) {
    return Response::ok({{"items", catalogJson()}});
  });
  routes.get("/api/v1/iam/login-logs", "iam:login-log:list", [](Ctx& c) {
    auto page = c.page();
    repo::LoginLogFilter f;
    f.scopePath = c.user().regionPath;
    f.username = c.query("username");
    f.success = c.queryBool("success");
    f.from = c.queryDate("from", false);
    f.to = c.queryDate("to", true);
    f.offset = page.offset();
    f.limit = page.size;
    return Response::ok(repo::listLoginLogs(c.sql, f));
  });
}

}  // namespace fy::iam
