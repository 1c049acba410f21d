#pragma once
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/principal.h"

namespace soci {
class session;
}
namespace fy::http {
class Routes;
}

namespace fy::region {

enum Level { kCity = 1, kDistrict = 2, kStreet = 3, kGrid = 4 };

struct Node {
  int64_t id = 0;
  int64_t parentId = 0;  // 0 for the root
  std::string name;
  int level = 0;
  std::string kind;  // grids: "community" | "village"
  int64_t population = 0;
  int sortOrder = 0;
  bool enabled = true;
  std::string path;
  std::string linkToken;  // districts and streets: the public booking link
  int64_t createdAt = 0;
  int64_t updatedAt = 0;
};

struct NodeInput {
  std::string name;
  int64_t population = 0;
  int sortOrder = 0;
  bool enabled = true;
  std::string kind;
};

nlohmann::json toJson(const Node& n);

std::optional<Node> find(soci::session& sql, int64_t id);
// The node if it lies inside the account's subtree; 404 otherwise, so that an account
// cannot even learn that a record outside its scope exists.
Node findInScope(soci::session& sql, const Principal& p, int64_t id);
// Every node under (and including) `path`, ordered by level, sort order and id.
std::vector<Node> subtree(soci::session& sql, const std::string& path);
std::optional<Node> byLinkToken(soci::session& sql, const std::string& token);

Node createRoot(soci::session& sql, const Actor& actor, const NodeInput& in);
Node createChild(soci::session& sql, const Principal& p, const Actor& actor, int64_t parentId,
                 const NodeInput& in);
Node update(soci::session& sql, const Principal& p, const Actor& actor, int64_t id,
            const NodeInput& in);
Node setEnabled(soci::session& sql, const Principal& p, const Actor& actor, int64_t id, bool on);
Node move(soci::session& sql, const Principal& p, const Actor& actor, int64_t id,
          int64_t newParentId);

void registerRoutes(http::Routes& routes);

// Modules that copy a node's path into their own records register here; every move calls
// them in the move's transaction, so records keep following their node.
using MoveListener = std::function<void(soci::session& sql, int64_t nodeId,
                                        const std::string& oldPath, const std::string& newPath)>;
void onMove(MoveListener listener);

}  // namespace fy::region
