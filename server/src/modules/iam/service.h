#pragma once
#include <optional>
#include <string>
#include <vector>

#include "common/principal.h"

namespace soci {
class session;
}
namespace fy {
struct AppContext;
}
namespace fy::http {
class Routes;
}

namespace fy::iam {

// Resolves a session cookie to the signed-in account with its permissions, or nothing.
std::optional<Principal> authenticate(soci::session& sql, const std::string& sessionToken);

// Keeps the built-in 超级管理员 role holding every permission of the catalogue, so new
// modules' permissions reach it on upgrade.
void syncBuiltins(soci::session& sql);

// Spends an image captcha from GET /api/v1/auth/captcha (single use, also when wrong): true when
// `answer` matches. Other modules use it for their own captcha steps.
bool spendCaptcha(soci::session& sql, const AppContext& app, const std::string& id,
                  const std::string& answer);

struct NewAccount {
  std::string username;
  std::string nickname;
  std::string phone;
  std::string email;
  int64_t regionId = 0;
  std::vector<int64_t> roleIds;
  std::string password;
  bool mustChangePassword = true;
};

// For the CLI and demo data: no scope or grant checks (the operator is root on the host).
int64_t createAccountUnchecked(soci::session& sql, AppContext& app, const Actor& actor,
                               const NewAccount& a);
int64_t createRoleUnchecked(soci::session& sql, const Actor& actor, const std::string& name,
                            const std::string& code, int64_t regionId,
                            const std::vector<std::string>& permissions);
int64_t builtinAdminRoleId(soci::session& sql);

// Password rule shared by every path that sets one: 8-64 characters with letters and digits.
std::optional<std::string> passwordProblem(const std::string& pw);

std::vector<std::string> allPermissionCodes();

void registerRoutes(http::Routes& routes);

}  // namespace fy::iam
