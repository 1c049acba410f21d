#include "modules/iam/repo.h"

#include "db/query.h"
#include "db/soci.h"

namespace fy::iam::repo {

namespace {

const char* kUserCols =
    "u.id, u.username, u.nickname, u.phone_enc, u.phone_hash, u.phone_mask, u.email, u.region_id, "
    "r.name, r.path, r.level, u.password_hash, u.must_change_password, u.enabled, u.failed_logins, "
    "u.created_at, u.updated_at";
const char* kUserFrom = " FROM iam_user u JOIN region_node r ON r.id = u.region_id ";

User userFromRow(const soci::row& r) {
  User u;
  u.id = db::i64(r, 0);
  u.username = db::str(r, 1);
  u.nickname = db::str(r, 2);
  u.phoneEnc = db::str(r, 3);
  u.phoneHash = db::str(r, 4);
  u.phoneMask = db::str(r, 5);
  u.email = db::str(r, 6);
  u.regionId = db::i64(r, 7);
  u.regionName = db::str(r, 8);
  u.regionPath = db::str(r, 9);
  u.regionLevel = static_cast<int>(db::i64(r, 10));
  u.passwordHash = db::str(r, 11);
  u.mustChangePassword = db::i64(r, 12) != 0;
  u.enabled = db::i64(r, 13) != 0;
  u.failedLogins = static_cast<int>(db::i64(r, 14));
  u.createdAt = db::i64(r, 15);
  u.updatedAt = db::i64(r, 16);
  return u;
}

template <class T>
std::optional<User> oneUser(soci::session& sql, const std::string& where, T value) {
  soci::rowset<soci::row> rs =
      (sql.prepare << std::string("SELECT ") + kUserCols + kUserFrom + "WHERE " + where,
       soci::use(value));
  for (const auto& r : rs) return userFromRow(r);
  return std::nullopt;
}

const char* kRoleCols =
    "ro.id, ro.name, ro.code, ro.remark, ro.region_id, r.path, ro.enabled, ro.builtin, "
    "ro.created_at, ro.updated_at";
const char* kRoleFrom = " FROM iam_role ro JOIN region_node r ON r.id = ro.region_id ";

Role roleFromRow(const soci::row& r) {
  Role x;
  x.id = db::i64(r, 0);
  x.name = db::str(r, 1);
  x.code = db::str(r, 2);
  x.remark = db::str(r, 3);
  x.regionId = db::i64(r, 4);
  x.regionPath = db::str(r, 5);
  x.enabled = db::i64(r, 6) != 0;
  x.builtin = db::i64(r, 7) != 0;
  x.createdAt = db::i64(r, 8);
  x.updatedAt = db::i64(r, 9);
  return x;
}

std::string idList(const std::vector<int64_t>& ids) {
  // Ids are integers we parsed ourselves, so joining them cannot inject SQL.
  std::string s;
  for (auto id : ids) s += (s.empty() ? "" : ",") + std::to_string(id);
  return s;
}

}  // namespace

std::optional<User> userById(soci::session& sql, int64_t id) {
  return oneUser(sql, "u.id = :id", static_cast<long long>(id));
}
std::optional<User> userByUsername(soci::session& sql, const std::string& username) {
  return oneUser(sql, "u.username = :n", username);
}
std::optional<User> userByPhoneHash(soci::session& sql, const std::string& hash) {
  return oneUser(sql, "u.phone_hash = :h", hash);
}

bool usernameTaken(soci::session& sql, const std::string& username) {
  int n = 0;
  sql << "SELECT COUNT(*) FROM iam_user WHERE username = :u", soci::use(username), soci::into(n);
  return n > 0;
}

bool phoneTaken(soci::session& sql, const std::string& hash, int64_t exceptId) {
  int n = 0;
  long long ex = exceptId;
  sql << "SELECT COUNT(*) FROM iam_user WHERE phone_hash = :h AND id <> :e", soci::use(hash),
      soci::use(ex), soci::into(n);
  return n > 0;
}

int64_t insertUser(soci::session& sql, const User& u) {
  long long region = u.regionId, t = u.createdAt, id = 0;
  int must = u.mustChangePassword, en = u.enabled;
  soci::indicator pi = u.phoneHash.empty() ? soci::i_null : soci::i_ok;
  sql << "INSERT INTO iam_user (username, nickname, phone_enc, phone_hash, phone_mask, email, "
         "region_id, password_hash, must_change_password, enabled, failed_logins, created_at, "
         "updated_at) VALUES (:u, :n, :pe, :ph, :pm, :e, :r, :pw, :m, :en, 0, :t, :t2) RETURNING "
         "id",
      soci::use(u.username), soci::use(u.nickname), soci::use(u.phoneEnc, pi),
      soci::use(u.phoneHash, pi), soci::use(u.phoneMask, pi), soci::use(u.email), soci::use(region),
      soci::use(u.passwordHash), soci::use(must), soci::use(en), soci::use(t), soci::use(t),
      soci::into(id);
  return id;
}

void saveUser(soci::session& sql, const User& u) {
  long long id = u.id, region = u.regionId, t = u.updatedAt;
  int must = u.mustChangePassword, en = u.enabled, failed = u.failedLogins;
  soci::indicator pi = u.phoneHash.empty() ? soci::i_null : soci::i_ok;
  sql << "UPDATE iam_user SET nickname = :n, phone_enc = :pe, phone_hash = :ph, phone_mask = :pm, "
         "email = :e, region_id = :r, password_hash = :pw, must_change_password = :m, enabled = "
         ":en, "
         "failed_logins = :f, updated_at = :t WHERE id = :id",
      soci::use(u.nickname), soci::use(u.phoneEnc, pi), soci::use(u.phoneHash, pi),
      soci::use(u.phoneMask, pi), soci::use(u.email), soci::use(region), soci::use(u.passwordHash),
      soci::use(must), soci::use(en), soci::use(failed), soci::use(t), soci::use(id);
}

void deleteUser(soci::session& sql, int64_t id) {
  long long v = id;
  sql << "DELETE FROM iam_user_role WHERE user_id = :id", soci::use(v);
  sql << "DELETE FROM iam_session WHERE user_id = :id", soci::use(v);
  sql << "DELETE FROM iam_sms_code WHERE user_id = :id", soci::use(v);
  sql << "DELETE FROM iam_user WHERE id = :id", soci::use(v);
}

std::pair<std::vector<User>, long long> listUsers(soci::session& sql, const UserFilter& f) {
  db::Query q(std::string(kUserFrom) + "WHERE r.path LIKE :scope");
  q.bind("scope", f.scopePath + "%");
  if (f.keyword)
    q.where("(u.username LIKE :kw OR u.nickname LIKE :kw2)")
        .bind("kw", "%" + *f.keyword + "%")
        .bind("kw2", "%" + *f.keyword + "%");
  if (f.enabled) q.where("u.enabled = :en").bind("en", *f.enabled ? 1 : 0);
  long long total = q.count(sql);
  std::vector<User> out;
  for (const auto& r : q.select(sql, kUserCols, "ORDER BY u.id", f.offset, f.limit))
    out.push_back(userFromRow(r));
  return {out, total};
}

std::map<int64_t, std::vector<RoleRef>> rolesOfUsers(soci::session& sql,
                                                     const std::vector<int64_t>& ids) {
  std::map<int64_t, std::vector<RoleRef>> out;
  if (ids.empty()) return out;
  soci::rowset<soci::row> rs =
      (sql.prepare << "SELECT ur.user_id, ro.id, ro.name FROM iam_user_role ur JOIN iam_role ro ON "
                      "ro.id = ur.role_id WHERE ur.user_id IN (" +
                          idList(ids) + ") ORDER BY ro.id");
  for (const auto& r : rs) out[db::i64(r, 0)].push_back({db::i64(r, 1), db::str(r, 2)});
  return out;
}

void setUserRoles(soci::session& sql, int64_t userId, const std::vector<int64_t>& roleIds) {
  long long uid = userId;
  sql << "DELETE FROM iam_user_role WHERE user_id = :u", soci::use(uid);
  for (auto rid : roleIds) {
    long long r = rid;
    sql << "INSERT INTO iam_user_role (user_id, role_id) VALUES (:u, :r)", soci::use(uid),
        soci::use(r);
  }
}

std::set<std::string> permissionsOfUser(soci::session& sql, int64_t userId) {
  long long uid = userId;
  std::set<std::string> out;
  soci::rowset<std::string> rs =
      (sql.prepare << "SELECT DISTINCT rp.code FROM iam_user_role ur JOIN iam_role ro ON ro.id = "
                      "ur.role_id AND ro.enabled = 1 JOIN iam_role_permission rp ON rp.role_id = "
                      "ro.id WHERE ur.user_id = :u",
       soci::use(uid));
  for (const auto& c : rs) out.insert(c);
  return out;
}

std::optional<Role> roleById(soci::session& sql, int64_t id) {
  long long v = id;
  soci::rowset<soci::row> rs =
      (sql.prepare << std::string("SELECT ") + kRoleCols + kRoleFrom + "WHERE ro.id = :id",
       soci::use(v));
  for (const auto& r : rs) return roleFromRow(r);
  return std::nullopt;
}

std::optional<Role> roleByCode(soci::session& sql, const std::string& code) {
  soci::rowset<soci::row> rs =
      (sql.prepare << std::string("SELECT ") + kRoleCols + kRoleFrom + "WHERE ro.code = :c",
       soci::use(code));
  for (const auto& r : rs) return roleFromRow(r);
  return std::nullopt;
}

bool roleNameOrCodeTaken(soci::session& sql, const std::string& name, const std::string& code,
                         int64_t exceptId) {
  int n = 0;
  long long ex = exceptId;
  sql << "SELECT COUNT(*) FROM iam_role WHERE (name = :n OR code = :c) AND id <> :e",
      soci::use(name), soci::use(code), soci::use(ex), soci::into(n);
  return n > 0;
}

std::pair<std::vector<Role>, long long> listRoles(soci::session& sql, const RoleFilter& f) {
  db::Query q(std::string(kRoleFrom) + "WHERE (r.path LIKE :scope OR :self LIKE r.path || '%')");
  q.bind("scope", f.scopePath + "%").bind("self", f.scopePath);
  if (f.keyword) q.where("ro.name LIKE :kw").bind("kw", "%" + *f.keyword + "%");
  long long total = q.count(sql);
  std::vector<Role> out;
  for (const auto& r : q.select(sql, kRoleCols, "ORDER BY ro.id", f.offset, f.limit))
    out.push_back(roleFromRow(r));
  return {out, total};
}

std::map<int64_t, std::vector<std::string>> permissionsOfRoles(soci::session& sql,
                                                               const std::vector<int64_t>& ids) {
  std::map<int64_t, std::vector<std::string>> out;
  if (ids.empty()) return out;
  soci::rowset<soci::row> rs =
      (sql.prepare << "SELECT role_id, code FROM iam_role_permission WHERE "
                      "role_id IN (" +
                          idList(ids) + ") ORDER BY code");
  for (const auto& r : rs) out[db::i64(r, 0)].push_back(db::str(r, 1));
  return out;
}

int64_t insertRole(soci::session& sql, const Role& r) {
  long long region = r.regionId, t = r.createdAt, id = 0;
  int en = r.enabled, builtin = r.builtin;
  sql << "INSERT INTO iam_role (name, code, remark, region_id, enabled, builtin, created_at, "
         "updated_at) VALUES (:n, :c, :rm, :r, :en, :b, :t, :t2) RETURNING id",
      soci::use(r.name), soci::use(r.code), soci::use(r.remark), soci::use(region), soci::use(en),
      soci::use(builtin), soci::use(t), soci::use(t), soci::into(id);
  return id;
}

void saveRole(soci::session& sql, const Role& r) {
  long long id = r.id, t = r.updatedAt;
  int en = r.enabled;
  sql << "UPDATE iam_role SET name = :n, remark = :rm, enabled = :en, updated_at = :t WHERE id = "
         ":id",
      soci::use(r.name), soci::use(r.remark), soci::use(en), soci::use(t), soci::use(id);
}

void deleteRole(soci::session& sql, int64_t id) {
  long long v = id;
  sql << "DELETE FROM iam_role_permission WHERE role_id = :id", soci::use(v);
  sql << "DELETE FROM iam_role WHERE id = :id", soci::use(v);
}

void setRolePermissions(soci::session& sql, int64_t roleId, const std::vector<std::string>& codes) {
  long long rid = roleId;
  sql << "DELETE FROM iam_role_permission WHERE role_id = :r", soci::use(rid);
  std::string code;
  soci::statement st =
      (sql.prepare << "INSERT INTO iam_role_permission (role_id, code) VALUES (:r, :c)",
       soci::use(rid), soci::use(code));
  for (const auto& c : codes) {
    code = c;
    st.execute(true);
  }
}

long long usersOfRole(soci::session& sql, int64_t roleId) {
  long long n = 0, rid = roleId;
  sql << "SELECT COUNT(*) FROM iam_user_role WHERE role_id = :r", soci::use(rid), soci::into(n);
  return n;
}

void insertSession(soci::session& sql, const std::string& tokenHash, int64_t userId,
                   const std::string& csrf, const std::string& ip, int64_t now, int64_t expires) {
  long long uid = userId, t = now, e = expires;
  sql << "INSERT INTO iam_session (token_hash, user_id, csrf_token, ip, created_at, expires_at) "
         "VALUES (:h, :u, :c, :ip, :t, :e)",
      soci::use(tokenHash), soci::use(uid), soci::use(csrf), soci::use(ip), soci::use(t),
      soci::use(e);
}

std::optional<SessionRow> sessionByHash(soci::session& sql, const std::string& tokenHash) {
  soci::rowset<soci::row> rs = (sql.prepare << "SELECT id, user_id, expires_at, csrf_token FROM "
                                               "iam_session WHERE token_hash = :h",
                                soci::use(tokenHash));
  for (const auto& r : rs)
    return SessionRow{db::i64(r, 0), db::i64(r, 1), db::i64(r, 2), db::str(r, 3)};
  return std::nullopt;
}

void deleteSession(soci::session& sql, int64_t id) {
  long long v = id;
  sql << "DELETE FROM iam_session WHERE id = :id", soci::use(v);
}

void deleteSessionsOf(soci::session& sql, int64_t userId, int64_t exceptSessionId) {
  long long u = userId, e = exceptSessionId;
  sql << "DELETE FROM iam_session WHERE user_id = :u AND id <> :e", soci::use(u), soci::use(e);
}

void insertCaptcha(soci::session& sql, const std::string& id, const std::string& answer,
                   int64_t expires) {
  long long e = expires;
  sql << "INSERT INTO iam_captcha (id, answer, expires_at) VALUES (:i, :a, :e)", soci::use(id),
      soci::use(answer), soci::use(e);
}

std::optional<std::string> takeCaptcha(soci::session& sql, const std::string& id, int64_t now) {
  std::string answer;
  long long expires = 0;
  soci::indicator ind = soci::i_null;
  sql << "SELECT answer, expires_at FROM iam_captcha WHERE id = :i", soci::use(id),
      soci::into(answer, ind), soci::into(expires);
  if (ind != soci::i_ok) return std::nullopt;
  // One answer per image: a captcha is gone after its first use, right or wrong.
  sql << "DELETE FROM iam_captcha WHERE id = :i", soci::use(id);
  if (expires < now) return std::nullopt;
  return answer;
}

void purgeCaptchas(soci::session& sql, int64_t now) {
  long long t = now;
  sql << "DELETE FROM iam_captcha WHERE expires_at < :t", soci::use(t);
}

void insertSmsCode(soci::session& sql, int64_t userId, const std::string& purpose,
                   const std::string& hash, int64_t now, int64_t expires) {
  long long u = userId, t = now, e = expires;
  sql << "UPDATE iam_sms_code SET used = 1 WHERE user_id = :u AND purpose = :p", soci::use(u),
      soci::use(purpose);
  sql << "INSERT INTO iam_sms_code (user_id, purpose, code_hash, attempts, used, created_at, "
         "expires_at) VALUES (:u, :p, :h, 0, 0, :t, :e)",
      soci::use(u), soci::use(purpose), soci::use(hash), soci::use(t), soci::use(e);
}

std::optional<SmsCode> latestSmsCode(soci::session& sql, int64_t userId,
                                     const std::string& purpose) {
  long long u = userId;
  soci::rowset<soci::row> rs =
      (sql.prepare << "SELECT id, created_at, expires_at, code_hash, attempts, used FROM "
                      "iam_sms_code WHERE user_id = :u AND purpose = :p ORDER BY id DESC LIMIT 1",
       soci::use(u), soci::use(purpose));
  for (const auto& r : rs)
    return SmsCode{db::i64(r, 0),
                   db::i64(r, 1),
                   db::i64(r, 2),
                   db::str(r, 3),
                   static_cast<int>(db::i64(r, 4)),
                   db::i64(r, 5) != 0};
  return std::nullopt;
}

void markSmsCode(soci::session& sql, int64_t id, int attempts, bool used) {
  long long v = id;
  int u = used;
  sql << "UPDATE iam_sms_code SET attempts = :a, used = :u WHERE id = :id", soci::use(attempts),
      soci::use(u), soci::use(v);
}

void insertLoginLog(soci::session& sql, const std::string& username, int64_t userId,
                    const std::string& ip, bool success, const std::string& reason,
                    const std::string& regionPath, int64_t now) {
  long long uid = userId, t = now;
  int ok = success;
  soci::indicator ui = userId ? soci::i_ok : soci::i_null;
  std::string name = username.substr(0, 64);
  sql << "INSERT INTO iam_login_log (username, user_id, ip, success, reason, region_path, "
         "created_at) VALUES (:n, :u, :ip, :s, :r, :p, :t)",
      soci::use(name), soci::use(uid, ui), soci::use(ip), soci::use(ok), soci::use(reason),
      soci::use(regionPath), soci::use(t);
}

nlohmann::json listLoginLogs(soci::session& sql, const LoginLogFilter& f) {
  db::Query q("FROM iam_login_log WHERE region_path LIKE :scope");
  q.bind("scope", f.scopePath + "%");
  if (f.username) q.where("username = :u").bind("u", *f.username);
  if (f.success) q.where("success = :s").bind("s", *f.success ? 1 : 0);
  if (f.from) q.where("created_at >= :from").bind("from", *f.from);
  if (f.to) q.where("created_at <= :to").bind("to", *f.to);
  long long total = q.count(sql);
  nlohmann::json items = nlohmann::json::array();
  for (const auto& r : q.select(sql, "id, username, ip, success, reason, created_at",
                                "ORDER BY id DESC", f.offset, f.limit))
    items.push_back({{"id", db::i64(r, 0)},
                     {"username", db::str(r, 1)},
                     {"ip", db::str(r, 2)},
                     {"success", db::i64(r, 3) != 0},
                     {"reason", db::str(r, 4)},
                     {"createdAt", db::i64(r, 5)}});
  return {{"items", items}, {"total", total}};
}

std::string rootPath(soci::session& sql) {
  std::string p;
  soci::indicator ind = soci::i_null;
  sql << "SELECT path FROM region_node WHERE parent_id IS NULL ORDER BY id LIMIT 1",
      soci::into(p, ind);
  return ind == soci::i_ok ? p : "/";
}

}  // namespace fy::iam::repo
