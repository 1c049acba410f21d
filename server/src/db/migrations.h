#pragma once
#include <string>
#include <vector>

#include "db/database.h"

namespace fy::db {

struct MigrationFile {
  const char* name;  // NNNN_title.sql, or NNNN_title.sqlite.sql / NNNN_title.pg.sql for one dialect
  const char* sql;
};

const std::vector<MigrationFile>& embeddedMigrations();  // generated at build time

// Applies every migration not yet recorded in schema_version, each in its own transaction.
// Returns the number applied. Safe to run from several processes at once on PostgreSQL.
int migrate(soci::session& sql, Dialect d);
int latestVersion();
int currentVersion(soci::session& sql);

// Splits a script into statements at semicolons that end a line (migrations keep
// semicolons out of statement bodies for this reason).
std::vector<std::string> splitStatements(const std::string& script);

}  // namespace fy::db
