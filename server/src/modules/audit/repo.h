#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "modules/audit/service.h"

namespace fy::audit::repo {

struct Filter {
  std::string scopePath;
  std::optional<std::string> actor, entity, action;
  std::optional<int64_t> entityId, from, to;
  int64_t offset = 0;
  int limit = 10;
};

void insert(soci::session& sql, const Actor& a, const Entry& e, int64_t now);
void insertCreated(soci::session& sql, const std::string& entity, const std::vector<Created>& rows,
                   int64_t now);
nlohmann::json list(soci::session& sql, const Filter& f);  // {items,total}

}  // namespace fy::audit::repo
