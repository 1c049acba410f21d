#include "db/wal_vfs.h"

#include <gtest/gtest.h>

#include "common/crypto.h"
#include "common/temp_dir.h"
#include "db/database.h"
#include "db/soci.h"

namespace fy::db {
namespace {

// Every SQLite connection of the process goes through the buffering VFS (installed by the
// first connect). These are the paths where a frame still in memory could be missed: the
// writer reading back pages it spilled mid-transaction, frames rewritten in place, a log
// restarted from its top, and readers beside the writer.
TEST(WalVfs, WhatTheWriterBuffersEveryReaderSeesAfterCommit) {
  crypto::init();
  TempDir dir("fy-wal");
  Database db({dir.sqliteUrl(), 1});
  auto w = db.connect();
  auto r = db.connect();
  *w << "PRAGMA wal_autocheckpoint=0";
  *w << "PRAGMA cache_size=20";  // a few pages: the transaction spills and reads them back
  *w << "CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)";
  *w << "CREATE INDEX t_v ON t(v)";
  long long sum = 0;
  for (int round = 0; round < 3; ++round) {
    {
      DeferLogSync later;  // as the writer thread commits
      *w << "BEGIN IMMEDIATE";
      for (int i = 0; i < 3000; ++i) {
        long long k = round * 3000 + i;
        std::string v = crypto::randomToken(40);
        *w << "INSERT INTO t (k, v) VALUES (:k, :v)", soci::use(k), soci::use(v);
        sum += k;
      }
      // The same pages again, in the same transaction: frames rewritten in place.
      *w << "UPDATE t SET v = v || 'x' WHERE k % 7 = 0";
      *w << "COMMIT";
    }
    long long n = 0, s = 0, x = 0;
    *r << "SELECT COUNT(*), SUM(k) FROM t", soci::into(n), soci::into(s);
    *r << "SELECT COUNT(*) FROM t WHERE v LIKE '%x'", soci::into(x);
    EXPECT_EQ(n, (round + 1) * 3000);
    EXPECT_EQ(s, sum);
    EXPECT_EQ(x, ((round + 1) * 3000 + 6) / 7);
    if (round == 1) {  // the next commit starts the log again from its top
      int busy = -1, frames = 0, copied = 0;
      *w << "PRAGMA wal_checkpoint(RESTART)", soci::into(busy), soci::into(frames),
          soci::into(copied);
      EXPECT_EQ(busy, 0);
      EXPECT_EQ(frames, copied);
    }
  }
  // One commit of megabytes with nothing read back: written in many pieces at the sync.
  *w << "PRAGMA cache_size=-65536";
  {
    DeferLogSync later;
    *w << "BEGIN IMMEDIATE";
    const std::string v(100, 'y');
    for (long long k = 9000; k < 29000; ++k)
      *w << "INSERT INTO t (k, v) VALUES (:k, :v)", soci::use(k), soci::use(v);
    *w << "COMMIT";
  }
  long long big = 0, all = 0, wall = 0;
  const std::string v(100, 'y');
  *r << "SELECT COUNT(*) FROM t WHERE v = :v", soci::use(v), soci::into(big);
  *r << "SELECT COUNT(*) FROM t", soci::into(all);
  *w << "SELECT COUNT(*) FROM t", soci::into(wall);
  EXPECT_EQ(big, 20000);
  EXPECT_EQ(all, 29000);
  EXPECT_EQ(wall, 29000);
  std::string check;
  *r << "PRAGMA integrity_check", soci::into(check);
  EXPECT_EQ(check, "ok");
  w.reset();
  r.reset();
  auto again = db.connect();  // recovery from the log alone, as after a crash
  long long n = 0;
  *again << "SELECT COUNT(*) FROM t", soci::into(n);
  EXPECT_EQ(n, 29000);
}

}  // namespace
}  // namespace fy::db
