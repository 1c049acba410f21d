#include "db/bulk.h"

#include <libpq-fe.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <stdexcept>
#include <unordered_map>

#include "db/database.h"
#include "db/soci.h"

namespace fy::db {

namespace {

// SOCI's header declares SQLite's API inside this namespace.
using namespace sqlite_api;

std::string columnList(const BulkInsert& in) {
  std::string out;
  for (const auto& c : in.columns) out += (out.empty() ? "" : ", ") + c;
  return out;
}

std::vector<int64_t> sqliteInsert(sqlite3* db, const BulkInsert& in) {
  std::string text = "INSERT INTO " + in.table + " (" + columnList(in) + ") VALUES (";
  for (size_t i = 0; i < in.columns.size(); ++i) text += i ? ", ?" : "?";
  text += ")";
  if (in.skipConflicts) text += " ON CONFLICT DO NOTHING";
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, text.c_str(), -1, &st, nullptr) != SQLITE_OK)
    throw soci::soci_error(std::string("bulk insert: ") + sqlite3_errmsg(db));
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> guard(st, sqlite3_finalize);
  std::vector<int64_t> ids;
  ids.reserve(in.rows.size());
  for (const auto& row : in.rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      int col = static_cast<int>(i) + 1;
      if (auto* s = std::get_if<std::string>(&row[i]))
        sqlite3_bind_text(st, col, s->data(), static_cast<int>(s->size()), SQLITE_STATIC);
      else if (auto* n = std::get_if<int64_t>(&row[i]))
        sqlite3_bind_int64(st, col, *n);
      else
        sqlite3_bind_null(st, col);
    }
    if (sqlite3_step(st) != SQLITE_DONE)
      throw soci::soci_error(std::string("bulk insert into ") + in.table + ": " +
                             sqlite3_errmsg(db));
    ids.push_back(sqlite3_changes(db) ? sqlite3_last_insert_rowid(db) : 0);
    sqlite3_reset(st);
  }
  return ids;
}

std::vector<int64_t> pgInsert(PGconn* conn, const BulkInsert& in) {
  const size_t cols = in.columns.size();
  // PostgreSQL takes at most 65535 parameters per statement.
  const size_t perChunk = std::max<size_t>(1, 60000 / cols);
  std::vector<int64_t> ids(in.rows.size(), 0);
  int keyIdx = -1;
  for (size_t i = 0; i < cols; ++i)
    if (in.columns[i] == in.keyColumn) keyIdx = static_cast<int>(i);
  if (in.skipConflicts && keyIdx < 0) throw std::logic_error("bulk insert: keyColumn not listed");
  for (size_t start = 0; start < in.rows.size(); start += perChunk) {
    size_t end = std::min(in.rows.size(), start + perChunk);
    std::string text = "INSERT INTO " + in.table + " (" + columnList(in) + ") VALUES ";
    std::vector<std::string> ints;  // text form of integers, kept alive for the call
    ints.reserve((end - start) * cols);
    std::vector<const char*> values;
    values.reserve((end - start) * cols);
    int p = 0;
    for (size_t r = start; r < end; ++r) {
      text += r == start ? "(" : ", (";
      for (size_t c = 0; c < cols; ++c) {
        text += (c ? ", $" : "$") + std::to_string(++p);
        const Value& v = in.rows[r][c];
        if (auto* s = std::get_if<std::string>(&v))
          values.push_back(s->c_str());
        else if (auto* n = std::get_if<int64_t>(&v)) {
          ints.push_back(std::to_string(*n));
          values.push_back(ints.back().c_str());
        } else
          values.push_back(nullptr);
      }
      text += ")";
    }
    text += in.skipConflicts ? " ON CONFLICT DO NOTHING RETURNING id, " + in.keyColumn
                             : " RETURNING id";
    PGresult* res =
        PQexecParams(conn, text.c_str(), p, nullptr, values.data(), nullptr, nullptr, 0);
    std::unique_ptr<PGresult, void (*)(PGresult*)> guard(res, PQclear);
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
      throw soci::soci_error(std::string("bulk insert into ") + in.table + ": " +
                             PQresultErrorMessage(res));
    int n = PQntuples(res);
    if (!in.skipConflicts) {
      // RETURNING follows VALUES order for a plain multi-row INSERT.
      for (int i = 0; i < n; ++i) ids[start + i] = std::stoll(PQgetvalue(res, i, 0));
      continue;
    }
    std::unordered_map<std::string, int64_t> byKey;
    for (int i = 0; i < n; ++i)
      byKey.emplace(PQgetvalue(res, i, 1), std::stoll(PQgetvalue(res, i, 0)));
    for (size_t r = start; r < end; ++r)
      if (auto it = byKey.find(std::get<std::string>(in.rows[r][keyIdx])); it != byKey.end())
        ids[r] = it->second;
  }
  return ids;
}

}  // namespace

std::vector<int64_t> insertMany(soci::session& sql, const BulkInsert& in) {
  if (in.rows.empty()) return {};
  // SOCI's backends export no type information: ask for the dialect, then cast.
  if (dialectOf(sql) == Dialect::Sqlite)
    return sqliteInsert(static_cast<soci::sqlite3_session_backend*>(sql.get_backend())->conn_, in);
  return pgInsert(static_cast<soci::postgresql_session_backend*>(sql.get_backend())->conn_, in);
}

std::string pgTextArray(const std::vector<std::string>& values) {
  std::string out = "{";
  for (const auto& v : values) {
    out += out.size() > 1 ? ",\"" : "\"";
    for (char c : v) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

}  // namespace fy::db
