#include "db/bulk.h"

#include <mutex>
#include <stdexcept>
#include <unordered_map>

#include "db/database.h"
#include "db/soci.h"

namespace fy::db {

namespace {

std::string columnList(const BulkInsert& in) {
  std::string out;
  for (const auto& c : in.columns) out += (out.empty() ? "" : ", ") + c;
  return out;
}

std::string returning(const BulkInsert& in) {
  return in.skipConflicts ? " ON CONFLICT DO NOTHING RETURNING id, " + in.keyColumn
                          : " RETURNING id";
}

std::vector<int64_t> sqliteInsert(soci::session& sql, const BulkInsert& in) {
  std::string text = "INSERT INTO " + in.table + " (" + columnList(in) + ") VALUES (";
  for (size_t i = 0; i < in.columns.size(); ++i) text += (i ? ", :v" : ":v") + std::to_string(i);
  Prepared st(sql, text + (in.skipConflicts ? ") ON CONFLICT DO NOTHING" : ")"));
  std::vector<int64_t> ids;
  ids.reserve(in.rows.size());
  for (const auto& row : in.rows) {
    st.run(row);
    ids.push_back(st.insertedId());  // 0: refused as a conflict
  }
  return ids;
}

// The element types of the table's columns, for casting the arrays unnest() takes apart.
std::unordered_map<std::string, std::string> pgColumnTypes(soci::session& sql,
                                                           const std::string& table) {
  Prepared types(sql,
                 "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
                 "WHERE attrelid = CAST(:t AS regclass) AND attnum > 0 AND NOT attisdropped");
  std::unordered_map<std::string, std::string> out;
  for (const auto& r : types.run({std::string_view(table)})) out.emplace(str(r, 0), str(r, 1));
  return out;
}

// Each column is bound as one array, so the text does not grow with the rows: PostgreSQL
// parses and plans it once per connection instead of once per batch (a 128-row VALUES list
// cost more to plan than to insert).
std::string pgText(soci::session& sql, const BulkInsert& in) {
  // The text names the columns' types, which are read once per table.
  static std::mutex mu;
  static std::unordered_map<std::string, std::unordered_map<std::string, std::string>> typesOf;
  std::unordered_map<std::string, std::string> types;
  {
    std::lock_guard lk(mu);
    if (auto it = typesOf.find(in.table); it != typesOf.end()) types = it->second;
  }
  if (types.empty()) {
    types = pgColumnTypes(sql, in.table);
    std::lock_guard lk(mu);
    typesOf[in.table] = types;
  }
  std::string text = "INSERT INTO " + in.table + " (" + columnList(in) + ") SELECT * FROM unnest(";
  for (size_t c = 0; c < in.columns.size(); ++c) {
    auto t = types.find(in.columns[c]);
    if (t == types.end())
      throw std::logic_error("bulk insert: no column " + in.columns[c] + " in " + in.table);
    text += (c ? ", CAST(:v" : "CAST(:v") + std::to_string(c) + " AS " + t->second + "[])";
  }
  return text + ")" + returning(in);
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

std::vector<int64_t> pgInsert(soci::session& sql, const BulkInsert& in) {
  const size_t cols = in.columns.size();
  int keyIdx = -1;
  for (size_t i = 0; i < cols; ++i)
    if (in.columns[i] == in.keyColumn) keyIdx = static_cast<int>(i);
  if (in.skipConflicts && keyIdx < 0) throw std::logic_error("bulk insert: keyColumn not listed");
  Prepared st(sql, pgText(sql, in));
  std::vector<std::string> arrays;
  arrays.reserve(cols);
  for (size_t c = 0; c < cols; ++c) arrays.push_back(pgArray(in, c));
  std::vector<Value> values(arrays.begin(), arrays.end());
  auto rows = st.run(values);
  std::vector<int64_t> ids(in.rows.size(), 0);
  if (!in.skipConflicts) {
    // RETURNING follows the order of the rows inserted, which is unnest's order.
    for (size_t i = 0; i < rows.size(); ++i) ids[i] = i64(rows[i], 0);
    return ids;
  }
  std::unordered_map<std::string, int64_t> byKey;
  for (const auto& r : rows) byKey.emplace(str(r, 1), i64(r, 0));
  for (size_t r = 0; r < in.rows.size(); ++r)
    if (auto it = byKey.find(std::string(std::get<std::string_view>(in.rows[r][keyIdx])));
        it != byKey.end())
      ids[r] = it->second;
  return ids;
}

}  // namespace

std::vector<int64_t> insertMany(soci::session& sql, const BulkInsert& in) {
  if (in.rows.empty()) return {};
  return dialectOf(sql) == Dialect::Sqlite ? sqliteInsert(sql, in) : pgInsert(sql, in);
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
