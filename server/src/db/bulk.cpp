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
      if (auto* s = std::get_if<std::string_view>(&row[i]))
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

PGresult* pgCheck(PGresult* res, ExecStatusType want, const std::string& what) {
  if (PQresultStatus(res) == want) return res;
  std::string msg = what + ": " + PQresultErrorMessage(res);
  PQclear(res);
  throw soci::soci_error(msg);
}

using PgResult = std::unique_ptr<PGresult, void (*)(PGresult*)>;

// The statement for this table and column list, prepared once per connection. Each column
// is bound as one array, so the text does not grow with the rows: PostgreSQL parses and plans
// it once instead of once per batch (a 128-row VALUES list cost more to plan than to insert).
const std::string& pgPrepared(PGconn* conn, const BulkInsert& in) {
  // Keyed by the server process too: a reconnect may reuse the PGconn's address.
  static thread_local std::unordered_map<std::string, std::string> prepared;
  const std::string key = std::to_string(PQbackendPID(conn)) + "|" +
                          std::to_string(reinterpret_cast<uintptr_t>(conn)) + "|" + in.table + "|" +
                          columnList(in) + (in.skipConflicts ? "|" + in.keyColumn : "");
  if (auto it = prepared.find(key); it != prepared.end()) return it->second;

  const char* table = in.table.c_str();
  PgResult types(
      pgCheck(PQexecParams(conn,
                           "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
                           "WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped",
                           1, nullptr, &table, nullptr, nullptr, 0),
              PGRES_TUPLES_OK, "bulk insert: columns of " + in.table),
      PQclear);
  std::unordered_map<std::string, std::string> typeOf;
  for (int i = 0; i < PQntuples(types.get()); ++i)
    typeOf.emplace(PQgetvalue(types.get(), i, 0), PQgetvalue(types.get(), i, 1));
  std::string text = "INSERT INTO " + in.table + " (" + columnList(in) + ") SELECT * FROM unnest(";
  for (size_t c = 0; c < in.columns.size(); ++c) {
    auto t = typeOf.find(in.columns[c]);
    if (t == typeOf.end())
      throw std::logic_error("bulk insert: no column " + in.columns[c] + " in " + in.table);
    text += (c ? ", $" : "$") + std::to_string(c + 1) + "::" + t->second + "[]";
  }
  text += in.skipConflicts ? ") ON CONFLICT DO NOTHING RETURNING id, " + in.keyColumn
                           : ") RETURNING id";
  std::string name = "fy_bulk_" + std::to_string(prepared.size());
  PgResult(pgCheck(PQprepare(conn, name.c_str(), text.c_str(), static_cast<int>(in.columns.size()),
                             nullptr),
                   PGRES_COMMAND_OK, "bulk insert: prepare for " + in.table),
           PQclear);
  return prepared.emplace(key, std::move(name)).first->second;
}

// An element of a PostgreSQL array literal: quoted, with quotes and backslashes escaped.
void appendQuoted(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

// One column of the rows as a PostgreSQL array literal.
std::string pgArray(const BulkInsert& in, size_t col) {
  std::string out = "{";
  for (const auto& row : in.rows) {
    if (out.size() > 1) out += ',';
    const Value& v = row[col];
    if (auto* n = std::get_if<int64_t>(&v)) {
      out += std::to_string(*n);
    } else if (auto* s = std::get_if<std::string_view>(&v)) {
      appendQuoted(out, *s);
    } else {
      out += "NULL";
    }
  }
  return out + "}";
}

std::vector<int64_t> pgInsert(PGconn* conn, const BulkInsert& in) {
  const size_t cols = in.columns.size();
  int keyIdx = -1;
  for (size_t i = 0; i < cols; ++i)
    if (in.columns[i] == in.keyColumn) keyIdx = static_cast<int>(i);
  if (in.skipConflicts && keyIdx < 0) throw std::logic_error("bulk insert: keyColumn not listed");
  const std::string& name = pgPrepared(conn, in);
  std::vector<std::string> arrays;
  arrays.reserve(cols);
  std::vector<const char*> values;
  for (size_t c = 0; c < cols; ++c) values.push_back(arrays.emplace_back(pgArray(in, c)).c_str());
  PgResult res(pgCheck(PQexecPrepared(conn, name.c_str(), static_cast<int>(cols), values.data(),
                                      nullptr, nullptr, 0),
                       PGRES_TUPLES_OK, "bulk insert into " + in.table),
               PQclear);
  std::vector<int64_t> ids(in.rows.size(), 0);
  const int n = PQntuples(res.get());
  if (!in.skipConflicts) {
    // RETURNING follows the order of the rows inserted, which is unnest's order.
    for (int i = 0; i < n; ++i) ids[i] = std::stoll(PQgetvalue(res.get(), i, 0));
    return ids;
  }
  std::unordered_map<std::string, int64_t> byKey;
  for (int i = 0; i < n; ++i)
    byKey.emplace(PQgetvalue(res.get(), i, 1), std::stoll(PQgetvalue(res.get(), i, 0)));
  for (size_t r = 0; r < in.rows.size(); ++r)
    if (auto it = byKey.find(std::string(std::get<std::string_view>(in.rows[r][keyIdx])));
        it != byKey.end())
      ids[r] = it->second;
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
    if (out.size() > 1) out += ',';
    appendQuoted(out, v);
  }
  return out + "}";
}

}  // namespace fy::db
