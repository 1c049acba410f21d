#include "db/database.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <future>

#include "common/crypto.h"
#include "db/migrations.h"
#include "db/soci.h"

namespace fy::db {

class DatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    crypto::init();
    dir_ = std::filesystem::temp_directory_path() / ("fy-db-" + crypto::randomToken(6));
    std::filesystem::create_directories(dir_);
    url_ = "sqlite:" + (dir_ / "t.db").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
  std::string url_;
};

TEST_F(DatabaseTest, AFailedWriteRollsBackAloneWhileItsBatchCommits) {
  Database db({url_, 1});
  {
    auto s = db.connect();
    *s << "CREATE TABLE t (v INTEGER)";
  }
  db.start();
  std::vector<std::promise<bool>> done(3);
  for (int i = 0; i < 3; ++i) {
    db.write({[i](soci::session& sql) {
                sql << "INSERT INTO t (v) VALUES (:v)", soci::use(i);
                if (i == 1) throw std::runtime_error("refused");
              },
              [&done, i](std::exception_ptr e) { done[i].set_value(e == nullptr); }});
  }
  EXPECT_TRUE(done[0].get_future().get());
  EXPECT_FALSE(done[1].get_future().get());
  EXPECT_TRUE(done[2].get_future().get());
  db.stop();
  auto s = db.connect();
  int n = 0, sum = 0;
  *s << "SELECT COUNT(*), SUM(v) FROM t", soci::into(n), soci::into(sum);
  EXPECT_EQ(n, 2);
  EXPECT_EQ(sum, 2);  // rows 0 and 2; row 1 rolled back with its savepoint
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

}  // namespace fy::db
