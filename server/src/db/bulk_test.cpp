#include "db/bulk.h"

#include <gtest/gtest.h>

#include "common/temp_dir.h"
#include "db/database.h"
#include "db/soci.h"

namespace fy::db {
namespace {

// 203 rows go in as 128 + 64 + 8 + 2 + 1; rows whose code is taken are skipped, and each id
// returned is that of its own row, whichever statement carried it.
TEST(BulkInsert, SkipsTakenKeysAndGivesEachRowItsOwnId) {
  TempDir dir("fy-bulk");
  Database db({dir.sqliteUrl(), 1});
  auto s = db.connect();
  *s << "CREATE TABLE t (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, n INTEGER, note "
        "TEXT)";
  *s << "INSERT INTO t (code, n) VALUES ('c7', -1), ('c150', -1)";

  std::vector<std::string> codes;
  for (int i = 0; i < 203; ++i) codes.push_back("c" + std::to_string(i));
  BulkInsert in{"t", {"code", "n", "note"}, {}, true, "code"};
  for (int i = 0; i < 203; ++i)
    in.rows.push_back({codes[i], int64_t{i}, i % 2 ? Value() : Value(std::string_view(codes[i]))});
  auto ids = insertMany(*s, in);
  ASSERT_EQ(ids.size(), 203u);
  EXPECT_EQ(ids[7], 0);
  EXPECT_EQ(ids[150], 0);
  for (int i = 0; i < 203; ++i) {
    if (i == 7 || i == 150) continue;
    std::string code, note;
    long long n = -2;
    soci::indicator noteSet;
    long long id = ids[i];
    *s << "SELECT code, n, note FROM t WHERE id = :id", soci::use(id), soci::into(code),
        soci::into(n), soci::into(note, noteSet);
    ASSERT_TRUE(s->got_data()) << i;
    EXPECT_EQ(code, codes[i]);
    EXPECT_EQ(n, i);
    EXPECT_EQ(noteSet == soci::i_null, i % 2 == 1) << i;
  }
  long long total = 0;
  *s << "SELECT COUNT(*) FROM t", soci::into(total);
  EXPECT_EQ(total, 203);
}

TEST(BulkInsert, WithoutSkippingAConflictFailsTheWholeInsert) {
  TempDir dir("fy-bulk");
  Database db({dir.sqliteUrl(), 1});
  auto s = db.connect();
  *s << "CREATE TABLE t (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE)";
  std::vector<std::string> codes;
  for (int i = 0; i < 40; ++i) codes.push_back("r" + std::to_string(i % 39));  // r0 twice
  BulkInsert in{"t", {"code"}, {}, false, ""};
  for (const auto& c : codes) in.rows.push_back({c});
  EXPECT_THROW(insertMany(*s, in), soci::soci_error);
}

}  // namespace
}  // namespace fy::db
