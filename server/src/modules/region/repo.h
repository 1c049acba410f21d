#pragma once
#include <optional>
#include <string>
#include <vector>

#include "modules/region/service.h"

namespace fy::region::repo {

std::optional<Node> byId(soci::session& sql, int64_t id);
std::optional<Node> byLinkToken(soci::session& sql, const std::string& token);
std::vector<Node> subtree(soci::session& sql,
                          const std::string& path);  // ordered for tree building
struct ChildFilter {
  int64_t parentId = 0;
  std::optional<std::string> keyword;
  int64_t offset = 0;
  int limit = 10;
};
std::pair<std::vector<Node>, long long> children(soci::session& sql, const ChildFilter& f);
bool siblingNameTaken(soci::session& sql, int64_t parentId, const std::string& name,
                      int64_t exceptId);
int64_t insert(soci::session& sql, const Node& n);  // sets path from the new id
void update(soci::session& sql, const Node& n);
void movePaths(soci::session& sql, int64_t id, int64_t newParentId, const std::string& oldPath,
               const std::string& newPath, int64_t now);
struct Counts {
  long long districts = 0, streets = 0, grids = 0, users = 0;
};
Counts counts(soci::session& sql, const std::string& path);

}  // namespace fy::region::repo
