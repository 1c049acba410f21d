#include "db/prepared.h"

#include <gtest/gtest.h>

#include "common/temp_dir.h"
#include "db/database.h"
#include "db/soci.h"

namespace fy::db {
namespace {

TEST(Prepared, NamesAreNumberedByFirstAppearanceOutsideQuotesAndCasts) {
  TempDir dir("fy-prepared");
  Database db({dir.sqliteUrl(), 1});
  auto s = db.connect();
  *s << "CREATE TABLE t (a TEXT, b TEXT)";
  Prepared st(*s,
              "SELECT ':skip', 'it''s :not', \"a:b\", CAST(b AS text) FROM t WHERE a = :b OR "
              "b = :a OR a = :b");
  EXPECT_EQ(st.names(), (std::vector<std::string>{"b", "a"}));
  *s << "INSERT INTO t (a, b) VALUES ('x', 'y')";
  auto rows = st.run({std::string_view("x"), std::string_view("-")});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(str(rows[0], 0), ":skip");
  EXPECT_EQ(str(rows[0], 1), "it's :not");
}

// A statement is prepared at its first run on a connection and kept for the next ones, which
// bind new values; a new connection prepares its own.
TEST(Prepared, KeptPerConnectionAndRunAgainWithNewValues) {
  TempDir dir("fy-prepared");
  Database db({dir.sqliteUrl(), 1});
  auto s = db.connect();
  *s << "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, n INTEGER)";
  const char* insert = "INSERT INTO t (name, n) VALUES (:name, :n)";
  const char* find = "SELECT id, name, n FROM t WHERE n >= :n AND name <> :skip ORDER BY id";
  const int64_t before = statementsPrepared();
  Prepared(*s, insert).run({std::string_view("甲"), int64_t{1}});
  Prepared(*s, insert).run({std::monostate{}, int64_t{2}});
  Prepared(*s, insert).run({std::string_view("丙"), int64_t{3}});
  EXPECT_EQ(statementsPrepared() - before, 1);

  auto rows = Prepared(*s, find).run({int64_t{2}, std::string_view("x")});
  ASSERT_EQ(rows.size(), 1u);  // NULL <> 'x' is not true: row 2 is left out
  EXPECT_EQ(i64(rows[0], 0), 3);
  EXPECT_EQ(str(rows[0], 1), "丙");
  rows = Prepared(*s, find).run({int64_t{1}, std::string_view("丙")});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(str(rows[0], 1), "甲");
  EXPECT_EQ(statementsPrepared() - before, 2);

  auto other = db.connect();
  EXPECT_EQ(Prepared(*other, find).run({int64_t{0}, std::string_view("")}).size(), 2u);
  EXPECT_EQ(statementsPrepared() - before, 3);
}

TEST(Prepared, AFailedRunThrowsAndLeavesTheStatementReady) {
  TempDir dir("fy-prepared");
  Database db({dir.sqliteUrl(), 1});
  auto s = db.connect();
  *s << "CREATE TABLE t (id INTEGER PRIMARY KEY, code TEXT UNIQUE)";
  Prepared insert(*s, "INSERT INTO t (code) VALUES (:c) RETURNING id");
  EXPECT_EQ(insert.run({std::string_view("a")}).size(), 1u);
  EXPECT_THROW(insert.run({std::string_view("a")}), soci::soci_error);
  EXPECT_THROW(insert.run({}), std::logic_error);  // one parameter, no value
  insert.run({std::string_view("b")});
  long long n = 0;
  *s << "SELECT COUNT(*) FROM t", soci::into(n);
  EXPECT_EQ(n, 2);
  // Nothing is left open: the connection's reads and writes go on as usual.
  *s << "BEGIN IMMEDIATE";
  *s << "COMMIT";
}

// SQLite refuses to close a connection whose statements are alive: closing a session must
// drop its kept statements first, or the connection stays open behind it.
TEST(Prepared, ClosingASessionClosesItsConnection) {
  TempDir dir("fy-prepared");
  Database db({dir.sqliteUrl(), 1});
  {
    auto s = db.connect();
    *s << "CREATE TABLE t (id INTEGER PRIMARY KEY)";
    Prepared(*s, "INSERT INTO t (id) VALUES (:id)").run({int64_t{1}});
    EXPECT_EQ(Prepared(*s, "SELECT id FROM t").run({}).size(), 1u);
  }
  // Leaving WAL mode needs the only connection to the file.
  auto alone = db.connect();
  std::string mode;
  *alone << "PRAGMA journal_mode=DELETE", soci::into(mode);
  EXPECT_EQ(mode, "delete");
}

}  // namespace
}  // namespace fy::db
