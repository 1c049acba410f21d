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
  db::Session sql_;
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

// The staff's keyword search finds a booking of the crowd path while it waits for its search
// terms and after they are written, by name, phone and ID tail alike; a changed name is found
// under the new one only, whether the change came before its terms or after.
TEST_F(EngineRepoTest, SearchTermsFindQueuedAndWrittenBookingsAlike) {
  auto person = [](const std::string& idHash, const std::string& name, const std::string& tail,
                   const std::string& phone) {
    Booking b = row(idHash, 1, 1);
    b.name = name;
    b.idTail = tail;
    b.phoneHash = phone;
    return b;
  };
  // The list joins each booking's vaccine and regions.
  *sql_ << "INSERT OR IGNORE INTO vax_vaccine (id, code, name, doses, created_at, updated_at) "
           "VALUES "
           "(1, 'v', 'v', 2, 0, 0)";
  *sql_ << "INSERT OR IGNORE INTO region_node (id, name, level, path, created_at, updated_at) "
           "VALUES "
           "(1, 'r', 1, '/1/', 0, 0)";
  Booking li = person("a", "李四", "4321", "ph-li"), wang = person("b", "王五", "4399", "ph-wang"),
          zhao = person("c", "赵六", "8765", "");
  auto ids = repo::insertBookings(*sql_, {&li, &wang, &zhao}, [] { return std::string(); });
  auto found = [&](auto set) {
    repo::BookingFilter f;
    f.path = "/1/";
    f.limit = 50;
    set(f);
    auto [rows, total] = repo::bookings(*sql_, f);
    std::set<int64_t> out;
    for (const auto& b : rows) out.insert(b.id);
    EXPECT_EQ(total, static_cast<long long>(out.size()));
    return out;
  };
  auto byName = [&](const std::string& n) { return found([&](auto& f) { f.name = n; }); };
  auto byTail = [&](const std::string& t) { return found([&](auto& f) { f.idTailRev = t; }); };
  auto byPhone = [&](const std::string& p) { return found([&](auto& f) { f.phoneHash = p; }); };
  auto searches = [&] {
    EXPECT_EQ(byName("李四"), (std::set<int64_t>{ids[0]}));
    EXPECT_EQ(byTail("43"), (std::set<int64_t>{ids[0], ids[1]}));
    EXPECT_EQ(byTail("876"), (std::set<int64_t>{ids[2]}));
    EXPECT_EQ(byPhone("ph-wang"), (std::set<int64_t>{ids[1]}));
    EXPECT_TRUE(byName("张三").empty());
  };
  searches();  // queued
  EXPECT_EQ(repo::writeQueuedTerms(*sql_, 2), 2);
  searches();  // two written, one queued
  EXPECT_EQ(repo::writeQueuedTerms(*sql_, 2), 1);
  EXPECT_EQ(repo::writeQueuedTerms(*sql_, 2), 0);
  searches();  // written

  Booking renamed = *repo::booking(*sql_, ids[0]);  // its terms are written
  renamed.name = "李思";
  renamed.phoneHash = "ph-li2";
  repo::updatePerson(*sql_, renamed);
  EXPECT_TRUE(byName("李四").empty());
  EXPECT_TRUE(byPhone("ph-li").empty());
  EXPECT_EQ(byName("李思"), (std::set<int64_t>{ids[0]}));
  EXPECT_EQ(byPhone("ph-li2"), (std::set<int64_t>{ids[0]}));
  EXPECT_EQ(byTail("4321"), (std::set<int64_t>{ids[0]}));

  Booking qian = person("d", "钱七", "1111", "ph-qian");
  const int64_t q = repo::insertBookings(*sql_, {&qian}, [] { return std::string(); }).front();
  Booking early = *repo::booking(*sql_, q);  // still queued
  early.name = "钱八";
  repo::updatePerson(*sql_, early);
  EXPECT_EQ(byName("钱八"), (std::set<int64_t>{q}));
  EXPECT_EQ(repo::writeQueuedTerms(*sql_, 10), 1);
  EXPECT_EQ(byName("钱八"), (std::set<int64_t>{q}));
  EXPECT_TRUE(byName("钱七").empty());

  // Every other path writes the terms at once.
  Booking sun = person("e", "孙九", "2222", "ph-sun");
  const int64_t s = repo::insertBooking(*sql_, sun);
  EXPECT_EQ(repo::writeQueuedTerms(*sql_, 10), 0);
  EXPECT_EQ(byName("孙九"), (std::set<int64_t>{s}));
  EXPECT_EQ(byPhone("ph-sun"), (std::set<int64_t>{s}));
}

}  // namespace
}  // namespace fy::vax
