#include "db/database.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "common/temp_dir.h"
#include "db/migrations.h"
#include "db/soci.h"

namespace fy::db {

class DatabaseTest : public ::testing::Test {
 protected:
  TempDir dir_{"fy-db"};
  std::string url_ = dir_.sqliteUrl();
};

// SQLite: the writer's COMMIT does not wait for the disk and the writer goes on; `done` waits
// for the log's sync, which another thread makes. A failing sync (the process stops) is not
// tested.
TEST_F(DatabaseTest, TheWriterGoesOnWhileTheLogSyncsAndDoneComesAfterTheSync) {
  Database db({url_, 1});
  {
    auto s = db.connect();
    *s << "CREATE TABLE t (v INTEGER)";
    int sync = 0;
    *s << "PRAGMA synchronous", soci::into(sync);
    EXPECT_EQ(sync, 2);  // FULL
  }
  db.start();
  std::mutex mu;
  std::vector<std::string> events;
  std::thread::id runOn, committedOn, doneOn;
  int writerSync = -1;
  std::promise<void> last;
  for (int i = 0; i < 2; ++i) {
    auto note = [&mu, &events, i](const char* what) {
      std::lock_guard lk(mu);
      events.push_back(what + std::to_string(i));
    };
    db.write({[&, i](soci::session& sql) {
                sql << "INSERT INTO t (v) VALUES (:v)", soci::use(i);
                sql << "PRAGMA synchronous", soci::into(writerSync);
                runOn = std::this_thread::get_id();
              },
              [&, i, note](std::exception_ptr e) {
                EXPECT_EQ(e, nullptr);
                note("done");
                doneOn = std::this_thread::get_id();
                if (i == 1) last.set_value();
              },
              [&, note](std::exception_ptr e) {
                EXPECT_EQ(e, nullptr);
                note("committed");
                committedOn = std::this_thread::get_id();
              }});
  }
  last.get_future().get();
  // The sync ran before done: one for both transactions, or one each.
  const int64_t syncs = db.stats().logSyncs;
  EXPECT_GE(syncs, 1);
  EXPECT_LE(syncs, db.stats().batches);
  db.stop();
  EXPECT_EQ(writerSync, 2);  // FULL: SQLite still syncs the log at every commit, to the VFS
  EXPECT_EQ(committedOn, runOn);
  EXPECT_NE(doneOn, runOn);
  auto at = [&](const std::string& e) { return std::find(events.begin(), events.end(), e); };
  EXPECT_LT(at("committed0"), at("done0"));
  EXPECT_LT(at("committed1"), at("done1"));
  EXPECT_LT(at("done0"), at("done1"));
  EXPECT_EQ(events.size(), 4u);
}

TEST_F(DatabaseTest, AFailedWriteRollsBackAloneWhileItsBatchCommits) {
  Database db({url_, 1});
  {
    auto s = db.connect();
    *s << "CREATE TABLE t (v INTEGER)";
  }
  db.start();
  std::vector<std::promise<bool>> done(3);
  std::mutex mu;
  std::vector<int> announced;  // after-commit hooks that ran
  for (int i = 0; i < 3; ++i) {
    db.write({[i, &mu, &announced](soci::session& sql) {
                sql << "INSERT INTO t (v) VALUES (:v)", soci::use(i);
                afterCommit([i, &mu, &announced] {
                  std::lock_guard lk(mu);
                  announced.push_back(i);
                });
                if (i == 1) throw std::runtime_error("refused");
              },
              [&done, i](std::exception_ptr e) { done[i].set_value(e == nullptr); }});
  }
  EXPECT_TRUE(done[0].get_future().get());
  EXPECT_FALSE(done[1].get_future().get());
  EXPECT_TRUE(done[2].get_future().get());
  db.stop();
  EXPECT_EQ(announced, (std::vector<int>{0, 2}));  // the undone job's hook is dropped with it
  auto s = db.connect();
  int n = 0, sum = 0;
  *s << "SELECT COUNT(*), SUM(v) FROM t", soci::into(n), soci::into(sum);
  EXPECT_EQ(n, 2);
  EXPECT_EQ(sum, 2);  // rows 0 and 2; row 1 rolled back with its savepoint
}

TEST_F(DatabaseTest, ALoneFailedWriteLeavesNothingAndTheNextOneCommits) {
  Database db({url_, 1});
  {
    auto s = db.connect();
    *s << "CREATE TABLE t (v INTEGER)";
  }
  db.start();
  std::vector<int> announced;          // only the writer thread touches it until stop()
  auto lone = [&](int v, bool fail) {  // each waits for the last: a batch of one job
    std::promise<bool> done;
    db.write({[&, v, fail](soci::session& sql) {
                sql << "INSERT INTO t (v) VALUES (:v)", soci::use(v);
                afterCommit([&announced, v] { announced.push_back(v); });
                if (fail) throw std::runtime_error("refused");
              },
              [&done](std::exception_ptr e) { done.set_value(e == nullptr); }});
    return done.get_future().get();
  };
  EXPECT_FALSE(lone(1, true));
  EXPECT_TRUE(lone(2, false));
  EXPECT_FALSE(lone(3, true));
  db.stop();
  EXPECT_EQ(announced, (std::vector<int>{2}));
  auto s = db.connect();
  int n = 0, sum = 0;
  *s << "SELECT COUNT(*), SUM(v) FROM t", soci::into(n), soci::into(sum);
  EXPECT_EQ(n, 1);
  EXPECT_EQ(sum, 2);
}

// A read job that throws is reported to its `failed`, so whoever waits on it is answered; one
// that succeeds is not, and the reader goes on with the next job.
TEST_F(DatabaseTest, AFailedReadIsReportedAndTheReaderGoesOn) {
  Database db({url_, 1});
  db.start();
  std::promise<std::string> failed;
  std::promise<int> ran;
  db.read([](soci::session& sql) { sql << "SELECT nothing FROM no_such_table"; },
          [&failed](std::exception_ptr e) {
            try {
              std::rethrow_exception(e);
            } catch (const std::exception& x) {
              failed.set_value(x.what());
            }
          });
  db.read(
      [&ran](soci::session& sql) {
        int v = 0;
        sql << "SELECT 7", soci::into(v);
        ran.set_value(v);
      },
      [](std::exception_ptr) { ADD_FAILURE() << "a job that succeeded was reported failed"; });
  auto reported = failed.get_future();
  ASSERT_EQ(reported.wait_for(std::chrono::seconds(10)), std::future_status::ready)
      << "the failed read was never reported";
  EXPECT_NE(reported.get().find("no_such_table"), std::string::npos);
  EXPECT_EQ(ran.get_future().get(), 7);
  db.stop();
}

TEST_F(DatabaseTest, MigrationsApplyOnceAndRecordTheVersion) {
  Database db({url_, 0});
  auto s = db.connect();
  EXPECT_GE(migrate(*s, Dialect::Sqlite), 1);
  EXPECT_EQ(migrate(*s, Dialect::Sqlite), 0);
  EXPECT_EQ(currentVersion(*s), latestVersion());
}

TEST_F(DatabaseTest, ParsesBothUrlKinds) {
  EXPECT_EQ(dialectOf("sqlite:/x.db"), Dialect::Sqlite);
  EXPECT_EQ(dialectOf("postgresql://u@h:1/d"), Dialect::Postgres);
  EXPECT_THROW(dialectOf("mysql://x"), std::invalid_argument);
}

TEST(DatabaseLog, ErrorsLoseBoundValuesAndRowDetails) {
  std::runtime_error soci(
      "Cannot execute query. ERROR:  deadlock detected while executing \"INSERT\" with "
      ":name=\"张三\", :phone=\"13800000000\".");
  EXPECT_EQ(loggable(soci),
            "Cannot execute query. ERROR:  deadlock detected while executing "
            "\"INSERT\"");
  std::runtime_error pg(
      "bulk insert into vax_booking: ERROR:  new row violates check constraint\nDETAIL:  Failing "
      "row contains (1, 张三, 110101199003070000).");
  EXPECT_EQ(loggable(pg).find("张三"), std::string::npos);
  EXPECT_EQ(loggable(pg).rfind("bulk insert into vax_booking: ERROR:  new row violates", 0), 0u);
  std::runtime_error plain("connection lost");
  EXPECT_EQ(loggable(plain), "connection lost");
}

}  // namespace fy::db
