#include <gtest/gtest.h>

#include <set>

#include "modules/vaccination/internal.h"
#include "modules/vaccination/rules.h"

namespace fy::vax {
namespace {

Booking sample() {
  Booking b;
  b.id = 99;
  b.code = "123456789012";
  b.type = "personal";
  b.slotId = 5;
  b.siteId = 6;
  b.streetId = 7;
  b.gridId = 8;
  b.name = "张\"三";
  b.idEnc = "secret-id";
  b.idHash = "hash";
  b.idMask = "1101**********1234";
  b.birthDate = "1990-05-01";
  b.phoneEnc = "secret-phone";
  b.phoneMask = "138****0000";
  b.status = "booked";
  b.day = "2026-11-23";
  b.startMin = 8 * 60;
  b.endMin = 9 * 60;
  b.checkedInAt = 1234;
  b.source = "online";
  b.releaseAt = 77;
  b.createdAt = 1000;
  return b;
}

TEST(VaxPublicJson, CitizensSeeTheirBookingButNoInternalKeysOrSecrets) {
  const int64_t now = *rules::dayStart("2026-11-22");
  auto j = publicJson(sample(), now);
  std::set<std::string> keys;
  for (const auto& [k, v] : j.items()) keys.insert(k);
  const std::set<std::string> expected{
      "code",        "type",         "name",        "idType",      "idMasked",    "phoneMasked",
      "age",         "sex",          "nationality", "vaccineId",   "vaccineName", "vaccineNameEn",
      "doses",       "doseNo",       "date",        "startTime",   "endTime",     "siteName",
      "siteAddress", "streetName",   "gridId",      "gridName",    "remark",      "status",
      "cancelBy",    "cancelReason", "checkedIn",   "checkedInAt", "vaccinated",  "vaccinatedAt",
      "lotNo",       "vaccinator",   "proxyName",   "canCancel",   "createdAt"};
  EXPECT_EQ(keys, expected);
  EXPECT_EQ(j["name"], "张\"三");
  EXPECT_EQ(j["age"], 36);
  EXPECT_EQ(j["startTime"], "08:00");
  EXPECT_TRUE(j["cancelBy"].is_null());
  EXPECT_EQ(j["checkedInAt"], 1234);
  EXPECT_TRUE(j["vaccinatedAt"].is_null());
  EXPECT_FALSE(j["canCancel"]);  // checked in already
  const std::string body = publicBody(sample(), now);
  for (const char* secret : {"secret-id", "secret-phone", "hash\""})
    EXPECT_EQ(body.find(secret), std::string::npos) << secret;
}

TEST(VaxAuditJson, RecordsTheBookingMaskedWithItsState) {
  Booking b = sample();
  b.cancelBy = "site";
  b.vaccineId = 3;
  b.doseNo = 2;
  auto j = bookingAuditJson(b);
  const nlohmann::json expected = {{"code", "123456789012"},
                                   {"name", "张\"三"},
                                   {"idMasked", "1101**********1234"},
                                   {"phoneMasked", "138****0000"},
                                   {"vaccineId", 3},
                                   {"doseNo", 2},
                                   {"slotId", 5},
                                   {"gridId", 8},
                                   {"status", "booked"},
                                   {"cancelBy", "site"},
                                   {"checkedIn", true},
                                   {"vaccinated", false},
                                   {"lotNo", ""},
                                   {"vaccinator", ""}};
  EXPECT_EQ(j, expected);
  b.slotId.reset();
  b.cancelBy.reset();
  j = bookingAuditJson(b);
  EXPECT_TRUE(j["slotId"].is_null());
  EXPECT_TRUE(j["cancelBy"].is_null());
  for (const char* secret : {"secret-id", "secret-phone", "hash\""})
    EXPECT_EQ(bookingAuditText(b).find(secret), std::string::npos) << secret;
}

// Codes are unique within a process and sort in the order they were made (so the code index
// grows at its right edge), without adjacent ones differing by one.
TEST(BookingCode, UniqueEighteenDigitsInTheOrderMade) {
  std::set<std::string> seen;
  std::string last;
  int adjacent = 0;
  for (int i = 0; i < 200000; ++i) {
    std::string c = newBookingCode();
    ASSERT_EQ(c.size(), 18u);
    ASSERT_EQ(c.find_first_not_of("0123456789"), std::string::npos) << c;
    ASSERT_TRUE(seen.insert(c).second) << "drawn twice: " << c;
    ASSERT_GE(c.substr(0, 12), last.substr(0, std::min<size_t>(12, last.size())));
    if (!last.empty() && std::stoll(c.substr(12)) == std::stoll(last.substr(12)) + 1) ++adjacent;
    last = c;
  }
  EXPECT_LT(adjacent, 10);
}

}  // namespace
}  // namespace fy::vax
