#pragma once
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace soci {
class session;
}

namespace fy::iam::repo {

struct User {
  int64_t id = 0;
  std::string username, nickname, phoneEnc, phoneHash, phoneMask, email;
  int64_t regionId = 0;
  std::string regionName, regionPath;
  int regionLevel = 0;
  std::string passwordHash;
  bool mustChangePassword = true, enabled = true;
  int failedLogins = 0;
  int64_t createdAt = 0, updatedAt = 0;
};

struct Role {
  int64_t id = 0;
  std::string name, code, remark;
  int64_t regionId = 0;
  std::string regionPath;
  bool enabled = true, builtin = false;
  int64_t createdAt = 0, updatedAt = 0;
};

struct RoleRef {
  int64_t id;
  std::string name;
};

// users
std::optional<User> userById(soci::session& sql, int64_t id);
std::optional<User> userByUsername(soci::session& sql, const std::string& username);
std::optional<User> userByPhoneHash(soci::session& sql, const std::string& hash);
bool usernameTaken(soci::session& sql, const std::string& username);
bool phoneTaken(soci::session& sql, const std::string& hash, int64_t exceptId);
int64_t insertUser(soci::session& sql, const User& u);
void saveUser(soci::session& sql, const User& u);  // every mutable column
void deleteUser(soci::session& sql, int64_t id);
struct UserFilter {
  std::string scopePath;
  std::optional<std::string> keyword;
  std::optional<bool> enabled;
  int64_t offset = 0;
  int limit = 10;
};
std::pair<std::vector<User>, long long> listUsers(soci::session& sql, const UserFilter& f);
std::map<int64_t, std::vector<RoleRef>> rolesOfUsers(soci::session& sql,
                                                     const std::vector<int64_t>& ids);
void setUserRoles(soci::session& sql, int64_t userId, const std::vector<int64_t>& roleIds);
std::set<std::string> permissionsOfUser(soci::session& sql, int64_t userId);

// roles
std::optional<Role> roleById(soci::session& sql, int64_t id);
std::optional<Role> roleByCode(soci::session& sql, const std::string& code);
bool roleNameOrCodeTaken(soci::session& sql, const std::string& name, const std::string& code,
                         int64_t exceptId);
struct RoleFilter {
  std::string scopePath;
  std::optional<std::string> keyword;
  int64_t offset = 0;
  int limit = 10;
};
// Roles an account can see: those owned in its subtree and those of its ancestors.
std::pair<std::vector<Role>, long long> listRoles(soci::session& sql, const RoleFilter& f);
std::map<int64_t, std::vector<std::string>> permissionsOfRoles(soci::session& sql,
                                                               const std::vector<int64_t>& ids);
int64_t insertRole(soci::session& sql, const Role& r);
void saveRole(soci::session& sql, const Role& r);
void deleteRole(soci::session& sql, int64_t id);
void setRolePermissions(soci::session& sql, int64_t roleId, const std::vector<std::string>& codes);
long long usersOfRole(soci::session& sql, int64_t roleId);

// sessions
struct SessionRow {
  int64_t id = 0, userId = 0, expiresAt = 0;
  std::string csrf;
};
void insertSession(soci::session& sql, const std::string& tokenHash, int64_t userId,
                   const std::string& csrf, const std::string& ip, int64_t now, int64_t expires);
std::optional<SessionRow> sessionByHash(soci::session& sql, const std::string& tokenHash);
void deleteSession(soci::session& sql, int64_t id);
void deleteSessionsOf(soci::session& sql, int64_t userId, int64_t exceptSessionId);

// captcha and SMS codes
void insertCaptcha(soci::session& sql, const std::string& id, const std::string& answer,
                   int64_t expires);
std::optional<std::string> takeCaptcha(soci::session& sql, const std::string& id, int64_t now);
void purgeCaptchas(soci::session& sql, int64_t now);
struct SmsCode {
  int64_t id = 0, createdAt = 0, expiresAt = 0;
  std::string hash;
  int attempts = 0;
  bool used = false;
};
void insertSmsCode(soci::session& sql, int64_t userId, const std::string& purpose,
                   const std::string& hash, int64_t now, int64_t expires);
std::optional<SmsCode> latestSmsCode(soci::session& sql, int64_t userId,
                                     const std::string& purpose);
void markSmsCode(soci::session& sql, int64_t id, int attempts, bool used);

// login log
void insertLoginLog(soci::session& sql, const std::string& username, int64_t userId,
                    const std::string& ip, bool success, const std::string& reason,
                    const std::string& regionPath, int64_t now);
struct LoginLogFilter {
  std::string scopePath;
  std::optional<std::string> username;
  std::optional<bool> success;
  std::optional<int64_t> from, to;
  int64_t offset = 0;
  int limit = 10;
};
nlohmann::json listLoginLogs(soci::session& sql, const LoginLogFilter& f);  // {items,total}
std::string rootPath(soci::session& sql);

}  // namespace fy::iam::repo
