// Search keys written behind the bookings (repo::markUnkeyed / keyPending) and the searches
// that read them, on a real SQLite database.
#include <gtest/gtest.h>

#include <filesystem>

#include "common/crypto.h"
#include "db/database.h"
#include "db/migrations.h"
#include "db/soci.h"
#include "modules/vaccination/repo.h"

namespace fy::vax {
namespace {

class SearchKeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    crypto::init();
    dir_ = std::filesystem::temp_directory_path() / ("fy-keys-" + crypto::randomToken(6));
    std::filesystem::create_directories(dir_);
    db_ = std::make_unique<db::Database>(db::Config{"sqlite:" + (dir_ / "t.db").string(), 0});
    sql_ = db_->connect();
    db::migrate(*sql_, db::Dialect::Sqlite);
    // Bookings alone: their slot, vaccine and region rows do not matter to the keys.
    *sql_ << "PRAGMA foreign_keys=OFF";
  }
  void TearDown() override {
    sql_.reset();
    db_.reset();
    std::filesystem::remove_all(dir_);
  }

  int64_t book(const std::string& name, const std::string& phoneHash, const std::string& tailRev) {
    Booking b;
    b.code = crypto::randomDigits(18);
    b.type = "personal";
    b.vaccineId = b.streetId = b.gridId = 1;
    b.doseNo = 1;
    b.regionPath = "/1/2/";
    b.day = "2026-11-23";
    b.name = name;
    b.idType = "id_card";
    b.idHash = crypto::randomToken(8);
    b.idTail = tailRev;
    b.phoneHash = phoneHash;
    b.status = "booked";
    b.source = "online";
    return repo::insertBookings(*sql_, {&b}).at(0);
  }

  long long found(repo::BookingFilter f) {
    f.path = "/1/";
    return repo::bookings(*sql_, f).second;
  }
  long long byName(const std::string& n) { return found({.name = n}); }
  long long byPhone(const std::string& p) { return found({.phoneHash = p}); }
  long long byTail(const std::string& t) { return found({.idTailRev = t}); }
  long long count(const std::string& table) {
    long long n = 0;
    *sql_ << "SELECT COUNT(*) FROM " + table, soci::into(n);
    return n;
  }

  std::filesystem::path dir_;
  std::unique_ptr<db::Database> db_;
  std::unique_ptr<soci::session> sql_;
};

TEST_F(SearchKeysTest, NewBookingsAreFoundBeforeAndAfterTheirKeysAreWritten) {
  book("张三", "ph-a", "4321");
  book("李四", "ph-b", "4399");
  book("张三", "", "8765");
  EXPECT_EQ(count("vax_booking_unkeyed"), 3);
  EXPECT_EQ(count("vax_booking_key"), 0);
  EXPECT_EQ(byName("张三"), 2);  // read from the waiting rows
  EXPECT_EQ(byPhone("ph-b"), 1);
  EXPECT_EQ(byTail("43"), 2);

  EXPECT_EQ(repo::keyPending(*sql_, 2), 2);  // oldest first, at most the limit
  EXPECT_EQ(repo::keyPending(*sql_, 100), 1);
  EXPECT_EQ(repo::keyPending(*sql_, 100), 0);
  EXPECT_EQ(count("vax_booking_unkeyed"), 0);
  EXPECT_EQ(count("vax_booking_key"), 8);  // three names, two phones (one has none), three tails
  EXPECT_EQ(byName("张三"), 2);            // now through the keys only
  EXPECT_EQ(byName("李四"), 1);
  EXPECT_EQ(byName("张"), 0);
  EXPECT_EQ(byPhone("ph-a"), 1);
  EXPECT_EQ(byTail("43"), 2);
  EXPECT_EQ(byTail("4399"), 1);
  EXPECT_EQ(byTail("8"), 1);
  EXPECT_EQ(byTail("5"), 0);
}

TEST_F(SearchKeysTest, AnEditedBookingIsFoundByItsNewNameAndPhoneOnly) {
  int64_t id = book("张三", "ph-a", "4321");
  book("张三", "ph-c", "1111");
  repo::keyPending(*sql_, 100);

  Booking edited;
  edited.id = id;
  edited.name = "王五";
  edited.phoneHash = "ph-new";
  edited.streetId = edited.gridId = 1;
  edited.regionPath = "/1/2/";
  repo::updatePerson(*sql_, edited);
  EXPECT_EQ(count("vax_booking_unkeyed"), 1);
  EXPECT_EQ(byName("王五"), 1);  // waiting to be keyed
  EXPECT_EQ(byName("张三"), 1);  // its old key is still there, but the row says 王五
  EXPECT_EQ(byPhone("ph-a"), 0);
  EXPECT_EQ(byPhone("ph-new"), 1);

  EXPECT_EQ(repo::keyPending(*sql_, 100), 1);
  EXPECT_EQ(byName("王五"), 1);
  EXPECT_EQ(byName("张三"), 1);
  EXPECT_EQ(byPhone("ph-new"), 1);
  EXPECT_EQ(byPhone("ph-a"), 0);
}

}  // namespace
}  // namespace fy::vax
