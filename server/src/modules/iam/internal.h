#pragma once
// Helpers shared by the iam translation units (auth, users, roles); not for other modules.
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "common/principal.h"
#include "modules/iam/repo.h"

namespace fy {
struct AppContext;
}
namespace fy::http {
class Routes;
}

namespace fy::iam {

nlohmann::json userJson(const repo::User& u, const std::vector<repo::RoleRef>& roles);
nlohmann::json roleJson(const repo::Role& r, const std::vector<std::string>& perms);

// Normalises and seals a phone number: empty input clears it.
void setPhone(AppContext& app, repo::User& u, const std::string& phone);

// An account may hand out only roles it can see whose permissions it holds itself.
void ensureGrantable(soci::session& sql, const Principal& p, const std::vector<int64_t>& roleIds);

void registerAuthRoutes(http::Routes& routes);
void registerUserRoutes(http::Routes& routes);
void registerRoleRoutes(http::Routes& routes);

constexpr int64_t kSessionTtlMs = 12LL * 3600 * 1000;
constexpr int kFailuresBeforeSms = 4;

}  // namespace fy::iam
