#include "db/page_cache.h"

#include <gtest/gtest.h>

#include "common/crypto.h"
#include "common/temp_dir.h"
#include "db/database.h"
#include "db/soci.h"

namespace fy::db {
namespace {

long long count(soci::session& s, const char* sql) {
  long long n = -1;
  s << sql, soci::into(n);
  return n;
}

// Random keys split the index's pages in almost every transaction, and SQLite's split moves
// pages through the lock-byte page's number: without the wrapper each commit then walks the
// whole cache. A rollback that grew the file must still drop the pages past its end, and
// what is read afterwards, on this connection and on a new one, must be what was committed.
TEST(PageCache, CommitsSkipTheWalkAndRollbacksStillDropPagesPastTheEnd) {
  crypto::init();
  TempDir dir("fy-pcache");
  Database db({dir.sqliteUrl(), 1});
  auto w = db.connect();  // the first connection installs the wrapper
  *w << "CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)";
  *w << "CREATE INDEX t_v ON t(v)";

  auto insert = [&](long long from, int n) {
    for (long long k = from; k < from + n; ++k) {
      std::string v = crypto::randomToken(40);
      *w << "INSERT INTO t (k, v) VALUES (:k, :v)", soci::use(k), soci::use(v);
    }
  };
  const PageCacheCounts before = pageCacheCounts();
  for (int round = 0; round < 20; ++round) {
    *w << "BEGIN IMMEDIATE";
    insert(round * 200, 200);
    *w << "COMMIT";
  }
  const PageCacheCounts committed = pageCacheCounts();
  EXPECT_GE(committed.skipped - before.skipped, 20u);

  const long long pages = count(*w, "PRAGMA page_count");
  *w << "BEGIN IMMEDIATE";
  insert(100000, 3000);
  EXPECT_GT(count(*w, "PRAGMA page_count"), pages);
  *w << "ROLLBACK";
  EXPECT_GT(pageCacheCounts().passed, committed.passed);
  EXPECT_EQ(count(*w, "PRAGMA page_count"), pages);

  // The file grows again over the page numbers the rollback gave back.
  *w << "BEGIN IMMEDIATE";
  insert(4000, 3000);
  *w << "COMMIT";
  std::string check;
  *w << "PRAGMA integrity_check", soci::into(check);
  EXPECT_EQ(check, "ok");
  EXPECT_EQ(count(*w, "SELECT COUNT(*) FROM t"), 7000);
  EXPECT_EQ(count(*w, "SELECT COUNT(*) FROM t WHERE k >= 100000"), 0);
  auto r = db.connect();
  EXPECT_EQ(count(*r, "SELECT COUNT(*) FROM t INDEXED BY t_v WHERE v > ''"), 7000);
  EXPECT_EQ(count(*r, "SELECT SUM(k) FROM t"), 7000LL * 6999 / 2);
}

}  // namespace
}  // namespace fy::db
