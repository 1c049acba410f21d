#include "modules/vaccination/rules.h"

#include <gtest/gtest.h>

namespace fy::vax::rules {
namespace {

Vaccine vero() {
  Vaccine v;
  v.id = 1;
  v.doses = 2;
  v.rules = {{2, 21, 56}};
  return v;
}

Vaccine cho() {
  Vaccine v;
  v.id = 2;
  v.doses = 3;
  v.rules = {{2, 28, 56}, {3, 28, 183}};
  return v;
}

int64_t at(const std::string& day, int hour = 9) { return *dayStart(day) + hour * kHour; }

TEST(VaxRules, LocalDaysAreInTheCityZone) {
  // 2021-04-21 00:00 in Shanghai is 2021-04-20 16:00 UTC.
  EXPECT_EQ(*dayStart("2021-04-21"), 1618934400000);
  EXPECT_EQ(localDay(*dayStart("2021-04-21")), "2021-04-21");
  EXPECT_EQ(localDay(*dayStart("2021-04-21") - 1), "2021-04-20");
  EXPECT_EQ(addDays("2021-02-27", 2), "2021-03-01");
  EXPECT_EQ(addDays("2024-02-28", 1), "2024-02-29");
  EXPECT_FALSE(dayStart("2021-02-30"));
  EXPECT_FALSE(dayStart("2021-4-21"));
  EXPECT_FALSE(dayStart("2021-04-21x"));
}

TEST(VaxRules, HoursAndMinutes) {
  EXPECT_EQ(parseHm("08:30"), 510);
  EXPECT_EQ(parseHm("24:00"), 1440);
  EXPECT_FALSE(parseHm("24:30"));
  EXPECT_FALSE(parseHm("8:30"));
  EXPECT_FALSE(parseHm("08:60"));
  EXPECT_EQ(hm(510), "08:30");
}

TEST(VaxRules, FirstDoseNeedsOnlyAge) {
  Settings s;
  auto e = eligibility(vero(), {}, 30, s, "2021-04-21");
  EXPECT_TRUE(e.eligible);
  EXPECT_EQ(e.nextDose, 1);
  EXPECT_EQ(eligibility(vero(), {}, 17, s, "2021-04-21").reason, "under_age");
  s.maxAge = 59;
  EXPECT_EQ(eligibility(vero(), {}, 60, s, "2021-04-21").reason, "over_age");
}

TEST(VaxRules, SecondDoseWaitsForTheInterval) {
  Settings s;
  std::vector<Dose> h{{1, at("2021-04-01"), true, "c1", "2021-04-01"}};
  auto early = eligibility(vero(), h, 30, s, "2021-04-21");
  EXPECT_FALSE(early.eligible);
  EXPECT_EQ(early.reason, "interval_not_met");
  EXPECT_EQ(early.nextDose, 2);
  EXPECT_EQ(*early.earliestDay, "2021-04-22");
  EXPECT_EQ(*early.dueDay, "2021-05-27");
  EXPECT_TRUE(eligibility(vero(), h, 30, s, "2021-04-22").eligible);
}

TEST(VaxRules, ActiveBookingOfTheNextDoseBlocksAnother) {
  Settings s;
  std::vector<Dose> h{{1, std::nullopt, true, "c1", "2021-04-01"}};
  auto e = eligibility(vero(), h, 30, s, "2021-04-21");
  EXPECT_EQ(e.reason, "already_booked");
  EXPECT_EQ(e.activeCode, "c1");
}

TEST(VaxRules, CourseCompleteAfterTheLastDose) {
  Settings s;
  std::vector<Dose> h{{1, at("2021-01-01"), true, "a", "2021-01-01"},
                      {2, at("2021-02-01"), true, "b", "2021-02-01"},
                      {3, at("2021-03-01"), true, "c", "2021-03-01"}};
  EXPECT_EQ(eligibility(cho(), h, 30, s, "2021-06-01").reason, "course_complete");
  h.pop_back();
  auto third = eligibility(cho(), h, 30, s, "2021-02-28");
  EXPECT_EQ(third.nextDose, 3);
  EXPECT_EQ(third.reason, "interval_not_met");  // 28 days after 2021-02-01
  EXPECT_EQ(*third.earliestDay, "2021-03-01");
  EXPECT_EQ(*third.dueDay, "2021-07-03");  // 183 days after dose 1
  EXPECT_TRUE(eligibility(cho(), h, 30, s, "2021-03-01").eligible);
}

TEST(VaxRules, AdmissionWindowIsTwoHoursEachSide) {
  int64_t start = at("2021-04-21", 8), end = at("2021-04-21", 10);
  EXPECT_FALSE(admissible(start - 2 * kHour - 1, start, end));
  EXPECT_TRUE(admissible(start - 2 * kHour, start, end));
  EXPECT_TRUE(admissible(end + 2 * kHour, start, end));
  EXPECT_FALSE(admissible(end + 2 * kHour + 1, start, end));
}

TEST(VaxRules, ReleaseCountsFromTheLaterOfBookingAndWindowStart) {
  int64_t start = at("2021-04-21", 8);
  EXPECT_EQ(*releaseAt(start - kDay, start, 60), start + kHour);
  EXPECT_EQ(*releaseAt(start + 30 * kMinute, start, 60), start + 90 * kMinute);
  EXPECT_FALSE(releaseAt(start, start, 0));
}

TEST(VaxRules, ReminderAtTenTheDayBefore) {
  EXPECT_EQ(*remindAt(at("2021-04-19"), "2021-04-21"), at("2021-04-20", 10));
  EXPECT_FALSE(remindAt(at("2021-04-20", 11), "2021-04-21"));
}

}  // namespace
}  // namespace fy::vax::rules
