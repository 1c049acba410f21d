#pragma once
// Many rows in few statements, for the paths where one statement per row is the bottleneck
// (flash-crowd bookings and their audit and SMS rows). Table and column names come from the
// repositories; values are always bound, never pasted into SQL.
#include <cstdint>
#include <string>
#include <vector>

#include "db/prepared.h"

namespace fy::db {

struct BulkInsert {
  std::string table;
  std::vector<std::string> columns;
  std::vector<std::vector<Value>> rows;
  // Rows refused by a unique index are skipped (ON CONFLICT DO NOTHING) instead of failing the
  // statement; `ids` then holds 0 for them. Refusals are told apart by this column's value,
  // which must itself be unique (e.g. a booking code).
  bool skipConflicts = false;
  std::string keyColumn;
};

// Inserts every row. With skipConflicts, returns the new ids in row order (0 = skipped as a
// conflict); otherwise nothing. SQLite: multi-row INSERTs of up to 128 rows. PostgreSQL: one
// INSERT … SELECT FROM unnest() with each column bound as an array. Prepared once per
// connection. Several statements: run it inside a transaction, which a failure must undo.
std::vector<int64_t> insertMany(soci::session& sql, const BulkInsert& in);

// A PostgreSQL array literal of these strings, for binding a list as one parameter.
std::string pgTextArray(const std::vector<std::string>& values);

}  // namespace fy::db
