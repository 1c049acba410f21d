#include "db/prepared.h"

#include <libpq-fe.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <atomic>
#include <charconv>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <unordered_map>

#include "db/database.h"
#include "db/soci.h"

namespace fy::db {

// SOCI's header declares SQLite's API inside this namespace.
using namespace sqlite_api;

struct Prepared::Cached {
  sqlite3_stmt* lite = nullptr;
  std::string pgName;
  std::vector<std::string> names;
  size_t params = 0;
  ~Cached() { sqlite3_finalize(lite); }  // a no-op for nullptr
};

namespace {

// Beyond this many statements a connection's new ones are prepared for one use only: a text
// built with values in it would otherwise grow the cache without end.
constexpr size_t kMaxKept = 256;

struct Kept {
  std::unordered_map<std::string, std::unique_ptr<Prepared::Cached>> byText;
  int named = 0;  // PostgreSQL: statements named so far
};

// Keyed by session: a session is used by one thread at a time, but kept statements are
// dropped by whichever thread closes it. References into the map stay valid until then.
std::mutex keptMu;
std::atomic<int64_t> prepares{0};
std::unordered_map<const soci::session*, Kept> kept;

sqlite3* liteConn(soci::session& sql) {
  return static_cast<soci::sqlite3_session_backend*>(sql.get_backend())->conn_;
}
PGconn* pgConn(soci::session& sql) {
  return static_cast<soci::postgresql_session_backend*>(sql.get_backend())->conn_;
}

bool nameStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool nameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// `text` with each ":name" numbered by first appearance, as `prefix` + number ("?1" for
// SQLite, "$1" for PostgreSQL); quoted text and "::" casts are left alone.
std::string numbered(const std::string& text, char prefix, std::vector<std::string>* names) {
  std::string out;
  out.reserve(text.size());
  std::unordered_map<std::string, size_t> number;  // a multi-row INSERT names thousands
  for (size_t i = 0; i < text.size();) {
    char c = text[i];
    if (c == '\'' || c == '"') {
      size_t end = text.find(c, i + 1);
      end = end == std::string::npos ? text.size() : end + 1;
      out.append(text, i, end - i);
      i = end;
    } else if (c == ':' && i + 1 < text.size() && text[i + 1] == ':') {
      out += "::";
      i += 2;
    } else if (c == ':' && i + 1 < text.size() && nameStart(text[i + 1])) {
      size_t end = i + 1;
      while (end < text.size() && nameChar(text[end])) ++end;
      auto [it, added] = number.try_emplace(text.substr(i + 1, end - i - 1), names->size() + 1);
      if (added) names->push_back(it->first);
      out += prefix + std::to_string(it->second);
      i = end;
    } else {
      out += c;
      ++i;
    }
  }
  return out;
}

std::unique_ptr<Prepared::Cached> prepare(soci::session& sql, const std::string& text, int named) {
  auto c = std::make_unique<Prepared::Cached>();
  prepares++;
  std::vector<std::string>& names = c->names;
  if (dialectOf(sql) == Dialect::Sqlite) {
    sqlite3* db = liteConn(sql);
    std::string lite = numbered(text, '?', &names);
    if (sqlite3_prepare_v2(db, lite.c_str(), -1, &c->lite, nullptr) != SQLITE_OK)
      throw soci::soci_error(std::string("prepare: ") + sqlite3_errmsg(db));
    // Counts plain "?" too, which SQLite numbers in order (db/bulk.cpp's long inserts).
    c->params = static_cast<size_t>(sqlite3_bind_parameter_count(c->lite));
  } else {
    PGconn* conn = pgConn(sql);
    std::string pg = numbered(text, '$', &names);
    // Not kept (named < 0): the unnamed statement, which the next one replaces.
    c->pgName = named < 0 ? "" : "fy_p" + std::to_string(named);
    PGresult* res = PQprepare(conn, c->pgName.c_str(), pg.c_str(), 0, nullptr);
    bool ok = res && PQresultStatus(res) == PGRES_COMMAND_OK;
    std::string msg = res ? PQresultErrorMessage(res) : PQerrorMessage(conn);
    PQclear(res);
    if (!ok) throw soci::soci_error("prepare: " + msg);
    c->params = names.size();
  }
  return c;
}

std::vector<Row> runSqlite(sqlite3* db, sqlite3_stmt* st, std::span<const Value> values) {
  // Reset on every way out: a statement left mid-way would hold its read open, and the
  // log could not be rewound behind it.
  struct Reset {
    sqlite3_stmt* st;
    ~Reset() {
      sqlite3_reset(st);
      sqlite3_clear_bindings(st);
    }
  } reset{st};
  for (size_t i = 0; i < values.size(); ++i) {
    int col = static_cast<int>(i) + 1;
    if (auto* s = std::get_if<std::string_view>(&values[i]))
      sqlite3_bind_text(st, col, s->data(), static_cast<int>(s->size()), SQLITE_STATIC);
    else if (auto* n = std::get_if<int64_t>(&values[i]))
      sqlite3_bind_int64(st, col, *n);
    else
      sqlite3_bind_null(st, col);
  }
  std::vector<Row> rows;
  const int cols = sqlite3_column_count(st);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    Row& r = rows.emplace_back();
    r.cells.reserve(cols);
    for (int c = 0; c < cols; ++c) {
      if (sqlite3_column_type(st, c) == SQLITE_NULL) {
        r.cells.emplace_back();
        continue;
      }
      auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st, c));
      r.cells.emplace_back(std::string(p, sqlite3_column_bytes(st, c)));
    }
  }
  if (rc != SQLITE_DONE) throw soci::soci_error(sqlite3_errmsg(db));
  return rows;
}

std::vector<Row> runPg(PGconn* conn, const std::string& name, std::span<const Value> values) {
  // Text format wants terminated strings, which a string_view need not be.
  std::vector<std::string> text(values.size());
  std::vector<const char*> ptrs(values.size(), nullptr);
  for (size_t i = 0; i < values.size(); ++i) {
    if (auto* s = std::get_if<std::string_view>(&values[i]))
      ptrs[i] = text[i].assign(*s).c_str();
    else if (auto* n = std::get_if<int64_t>(&values[i]))
      ptrs[i] = (text[i] = std::to_string(*n)).c_str();
  }
  std::unique_ptr<PGresult, void (*)(PGresult*)> res(
      PQexecPrepared(conn, name.c_str(), static_cast<int>(values.size()), ptrs.data(), nullptr,
                     nullptr, 0),
      PQclear);
  auto status = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK)
    throw soci::soci_error(res ? PQresultErrorMessage(res.get()) : PQerrorMessage(conn));
  std::vector<Row> rows(PQntuples(res.get()));
  const int cols = PQnfields(res.get());
  for (int r = 0; r < static_cast<int>(rows.size()); ++r) {
    rows[r].cells.reserve(cols);
    for (int c = 0; c < cols; ++c) {
      if (PQgetisnull(res.get(), r, c))
        rows[r].cells.emplace_back();
      else
        rows[r].cells.emplace_back(
            std::string(PQgetvalue(res.get(), r, c), PQgetlength(res.get(), r, c)));
    }
  }
  return rows;
}

}  // namespace

Prepared::Prepared(soci::session& sql, const std::string& text) : sql_(sql) {
  std::unique_lock lk(keptMu);
  Kept& k = kept[&sql];
  if (auto it = k.byText.find(text); it != k.byText.end()) {
    st_ = it->second.get();
    return;
  }
  const bool keep = k.byText.size() < kMaxKept;
  const int named = keep ? k.named++ : -1;
  lk.unlock();  // preparing may take a round trip
  auto c = prepare(sql, text, named);
  st_ = c.get();
  if (!keep) {
    owned_ = std::move(c);
    return;
  }
  lk.lock();
  k.byText.emplace(text, std::move(c));
}

Prepared::~Prepared() = default;

std::vector<Row> Prepared::run(std::span<const Value> values) {
  if (values.size() != st_->params)
    throw std::logic_error("prepared statement: " + std::to_string(st_->params) + " parameters, " +
                           std::to_string(values.size()) + " values");
  if (st_->lite) return runSqlite(liteConn(sql_), st_->lite, values);
  return runPg(pgConn(sql_), st_->pgName, values);
}

const std::vector<std::string>& Prepared::names() const { return st_->names; }

int64_t statementsPrepared() { return prepares.load(); }

void forgetStatements(soci::session& sql) {
  std::lock_guard lk(keptMu);
  kept.erase(&sql);  // finalizes SQLite's
}

bool isNull(const Row& r, size_t i) { return !r.cells.at(i).has_value(); }

int64_t i64(const Row& r, size_t i) {
  const auto& c = r.cells.at(i);
  if (!c) return 0;
  int64_t v = 0;
  std::from_chars(c->data(), c->data() + c->size(), v);
  return v;
}

std::string str(const Row& r, size_t i) { return r.cells.at(i).value_or(""); }

}  // namespace fy::db
