#include "db/bulk.h"

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
  return in.skipConflicts ? " ON CONFLICT DO NOTHING RETURNING id, " + in.keyColumn : "";
}

size_t keyIndex(const BulkInsert& in) {
  for (size_t i = 0; i < in.columns.size(); ++i)
    if (in.columns[i] == in.keyColumn) return i;
  throw std::logic_error("bulk insert: keyColumn not listed");
}

// The ids RETURNING gave (id, key) in the rows' order; 0 for a row refused as a conflict.
std::vector<int64_t> idsByKey(const BulkInsert& in, const std::vector<Row>& returned) {
  const size_t key = keyIndex(in);
  std::unordered_map<std::string_view, int64_t> byKey;
  for (const auto& r : returned) byKey.emplace(*r.cells.at(1), i64(r, 0));
  std::vector<int64_t> ids(in.rows.size(), 0);
  for (size_t r = 0; r < in.rows.size(); ++r)
    if (auto it = byKey.find(std::get<std::string_view>(in.rows[r][key])); it != byKey.end())
      ids[r] = it->second;
  return ids;
}

// SQLite: n rows of plain "?" placeholders, which SQLite numbers in order.
std::string valuesText(const BulkInsert& in, size_t n) {
  std::string row = "(";
  for (size_t c = 0; c < in.columns.size(); ++c) row += c ? ", ?" : "?";
  row += ")";
  std::string text = "INSERT INTO " + in.table + " (" + columnList(in) + ") VALUES ";
  for (size_t r = 0; r < n; ++r) text += (r ? ", " : "") + row;
  return text + returning(in);
}

// PostgreSQL: each column bound as one array, so the text does not grow with the rows
// (a 128-row VALUES list cost more to plan than to insert). The arrays are cast to the
// columns' types, read from the catalogue.
std::string unnestText(soci::session& sql, const BulkInsert& in) {
  Prepared types(sql,
                 "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
                 "WHERE attrelid = CAST(:t AS regclass) AND attnum > 0 AND NOT attisdropped");
  std::unordered_map<std::string, std::string> typeOf;
  for (const auto& r : types.run({std::string_view(in.table)}))
    typeOf.emplace(str(r, 0), str(r, 1));
  std::string text = "INSERT INTO " + in.table + " (" + columnList(in) + ") SELECT * FROM unnest(";
  for (size_t c = 0; c < in.columns.size(); ++c) {
    auto t = typeOf.find(in.columns[c]);
    if (t == typeOf.end())
      throw std::logic_error("bulk insert: no column " + in.columns[c] + " in " + in.table);
    text += (c ? ", CAST(:v" : "CAST(:v") + std::to_string(c) + " AS " + t->second + "[])";
  }
  return text + ")" + returning(in);
}

// The statement's text, built once per thread: SQLite's (n rows) runs to thousands of
// placeholders, PostgreSQL's (n = 0) costs a catalogue read.
const std::string& statementText(soci::session& sql, const BulkInsert& in, size_t n) {
  static thread_local std::unordered_map<std::string, std::string> texts;
  std::string key = in.table + "|" + columnList(in) + "|" + returning(in) + "|" + std::to_string(n);
  if (auto it = texts.find(key); it != texts.end()) return it->second;
  std::string text = n ? valuesText(in, n) : unnestText(sql, in);
  return texts.emplace(std::move(key), std::move(text)).first->second;
}

// Rows go in as many at a time as the largest of 128, 64, … 1 that is left, each size one
// kept statement. A statement of many rows keeps its cursors open from row to row: an index
// whose keys grow (time, slot, region) takes the next key on the page it is on instead of
// searching from its root, as it did for a statement per row.
std::vector<int64_t> sqliteInsert(soci::session& sql, const BulkInsert& in) {
  constexpr size_t kMostRows = 128;
  std::vector<Row> returned;
  std::vector<Value> values;
  for (size_t at = 0; at < in.rows.size();) {
    size_t n = kMostRows;
    while (n > in.rows.size() - at) n /= 2;
    values.clear();
    for (size_t r = at; r < at + n; ++r)
      values.insert(values.end(), in.rows[r].begin(), in.rows[r].end());
    auto rows = Prepared(sql, statementText(sql, in, n)).run(values);
    returned.insert(returned.end(), std::make_move_iterator(rows.begin()),
                    std::make_move_iterator(rows.end()));
    at += n;
  }
  return in.skipConflicts ? idsByKey(in, returned) : std::vector<int64_t>{};
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
  Prepared st(sql, statementText(sql, in, 0));
  std::vector<std::string> arrays;
  arrays.reserve(cols);
  for (size_t c = 0; c < cols; ++c) arrays.push_back(pgArray(in, c));
  auto returned = st.run(std::vector<Value>(arrays.begin(), arrays.end()));
  return in.skipConflicts ? idsByKey(in, returned) : std::vector<int64_t>{};
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
