#pragma once
#include <cstdint>
#include <set>
#include <string>

namespace fy {

// The signed-in account as every service sees it: who, and how far its data scope reaches.
struct Principal {
  int64_t userId = 0;
  int64_t sessionId = 0;
  std::string username;
  std::string nickname;
  int64_t regionId = 0;
  std::string regionPath;  // materialised path of the account's node, e.g. "/1/4/"
  int regionLevel = 0;
  bool mustChangePassword = false;
  std::string csrfToken;
  std::set<std::string> permissions;

  bool has(const std::string& code) const { return permissions.count(code) > 0; }
  bool inScope(const std::string& path) const { return path.rfind(regionPath, 0) == 0; }
};

// Who did something, for the audit trail.
struct Actor {
  int64_t id = 0;
  std::string name;
  std::string ip;
  std::string requestId;
};

}  // namespace fy
