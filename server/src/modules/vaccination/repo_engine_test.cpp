// The batch reads of the booking engine (repo_engine.cpp), on a real SQLite database.
#include <gtest/gtest.h>

#include <set>

#include "common/crypto.h"
#include "common/temp_dir.h"
#include "db/database.h"
#include "db/migrations.h"
#include "db/soci.h"
#include "modules/vaccination/repo.h"

namespace fy::vax {
namespace {

class EngineRepoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    crypto::init();
    db_ = std::make_unique<db::Database>(db::Config{dir_.sqliteUrl(), 0});
    sql_ = db_->connect();
    db::migrate(*sql_, db::Dialect::Sqlite);
    // Bookings alone: their slot, vaccine and region rows do not matter to these reads.
    *sql_ << "PRAGMA foreign_keys=OFF";
  }

  void book(const std::string& idHash, int64_t vaccineId, int dose, std::optional<int64_t> at) {
    Booking b = row(idHash, vaccineId, dose);
    b.vaccinatedAt = at;
    ASSERT_NE(repo::insertBooking(*sql_, b), 0);
  }

  static Booking row(const std::string& idHash, int64_t vaccineId, int dose) {
    Booking b;
    b.code = crypto::randomDigits(18);
    b.type = "personal";
    b.vaccineId = vaccineId;
    b.streetId = b.gridId = 1;
    b.doseNo = dose;
    b.regionPath = "/1/2/";
    b.day = "2026-11-23";
    b.name = "张三";
    b.idType = "id_card";
    b.idHash = idHash;
    b.status = "booked";
    b.source = "online";
    return b;
  }

  std::string holderOf(const std::string& code) {
    std::string idHash;
    *sql_ << "SELECT id_hash FROM vax_booking WHERE code = :c", soci::use(code), soci::into(idHash);
    return idHash;
  }

  TempDir dir_{"fy-engine"};  // first: removed after the database closes
  std::unique_ptr<db::Database> db_;
  std::unique_ptr<soci::session> sql_;
};

TEST_F(EngineRepoTest, ActiveDosesOfManyPeopleComeBackWhole) {
  book("a", 1, 1, 1000);
  book("a", 1, 2, std::nullopt);
  book("b", 2, 1, std::nullopt);
  book("c", 1, 1, std::nullopt);
  auto got = repo::activeDosesOf(*sql_, {"a", "b", "x"});
  ASSERT_EQ(got.size(), 3u);
  std::set<std::tuple<std::string, int64_t, int, std::optional<int64_t>>> rows;
  for (const auto& d : got) {
    rows.insert({d.idHash, d.vaccineId, d.doseNo, d.vaccinatedAt});
    EXPECT_EQ(d.code.size(), 18u);
    EXPECT_EQ(d.day, "2026-11-23");
  }
  const std::set<std::tuple<std::string, int64_t, int, std::optional<int64_t>>> want{
      {"a", 1, 1, 1000}, {"a", 1, 2, std::nullopt}, {"b", 2, 1, std::nullopt}};
  EXPECT_EQ(rows, want);
}

// More rows than the one-round-trip read makes room for (16 a person, plus 64): all of them
// still come back, through the second read.
TEST_F(EngineRepoTest, ActiveDosesBeyondTheRoomAreNotCutShort) {
  for (int v = 1; v <= 90; ++v) book("a", v, 1, std::nullopt);
  auto got = repo::activeDosesOf(*sql_, {"a"});
  ASSERT_EQ(got.size(), 90u);
  std::set<int64_t> vaccines;
  for (const auto& d : got) vaccines.insert(d.vaccineId);
  EXPECT_EQ(vaccines.size(), 90u);
}

// Two processes may draw the same code: that row goes in under a fresh one. A row refused for
// its person (booked meanwhile by another node) is not retried and keeps id 0.
TEST_F(EngineRepoTest, ATakenCodeIsDrawnAgainAndATakenPersonIsNot) {
  Booking first = row("a", 1, 1);
  ASSERT_NE(repo::insertBooking(*sql_, first), 0);
  Booking sameCode = row("b", 1, 1), samePerson = row("a", 1, 1), plain = row("c", 1, 1);
  sameCode.code = first.code;
  int draws = 0;
  auto ids = repo::insertBookings(*sql_, {&sameCode, &samePerson, &plain}, [&] {
    ++draws;
    return std::string(18, '7');
  });
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_NE(ids[0], 0);
  EXPECT_EQ(ids[1], 0);
  EXPECT_NE(ids[2], 0);
  EXPECT_EQ(draws, 1);
  EXPECT_EQ(sameCode.code, std::string(18, '7'));
  EXPECT_EQ(holderOf(sameCode.code), "b");
  EXPECT_EQ(holderOf(first.code), "a");
}

}  // namespace
}  // namespace fy::vax
