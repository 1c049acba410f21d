#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/principal.h"

namespace soci {
class session;
}
namespace fy::http {
class Routes;
}

namespace fy::audit {

struct Entry {
  std::string action;  // create, update, delete, status, move, grant, reset_password, reveal, ...
  std::string entity;  // table-like name: iam_user, region_node, ...
  int64_t entityId = 0;
  std::string regionPath;  // whose data this is: decides who may read the row
  std::string summary;
  nlohmann::json before;  // null when there was nothing
  nlohmann::json after;
};

// Writes one audit row on the caller's session, i.e. inside the same transaction as the
// change it describes (DESIGN invariant: audit in the same transaction).
void record(soci::session& sql, const Actor& actor, const Entry& e);
// New rows of one entity written in one go (a batch of bookings), same transaction rule. Each
// `after` is already JSON text: a flash crowd would otherwise build a tree per row.
struct Created {
  Actor actor;
  int64_t entityId = 0;
  std::string regionPath, summary, after;
};
void recordCreated(soci::session& sql, const std::string& entity, const std::vector<Created>& rows);

void registerRoutes(http::Routes& routes);

}  // namespace fy::audit
