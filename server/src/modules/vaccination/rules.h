#pragma once
// Pure rules of vaccination: local dates and times, dose order and intervals, the check-in
// window, auto-release and reminder moments. No I/O, so every rule has a unit test.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "modules/vaccination/model.h"

namespace fy::vax::rules {

inline constexpr int64_t kMinute = 60'000;
inline constexpr int64_t kHour = 60 * kMinute;
inline constexpr int64_t kDay = 24 * kHour;
// The city's zone (Asia/Shanghai has no daylight saving time).
inline constexpr int64_t kZoneOffset = 8 * kHour;
// Seed 000: a booking is admissible from 2 hours before to 2 hours after its window.
inline constexpr int64_t kAdmitMargin = 2 * kHour;

std::optional<int64_t> dayStart(const std::string& day);  // local midnight of YYYY-MM-DD, UTC ms
std::string localDay(int64_t ms);
std::string addDays(const std::string& day, int days);
std::optional<int> parseHm(const std::string& hm);  // "08:30" -> 510
std::string hm(int minutes);

// One earlier dose or booking of the person for one vaccine.
struct Dose {
  int doseNo = 0;
  std::optional<int64_t> vaccinatedAt;  // set when given
  bool active = false;                  // an active booking not yet given
  std::string code;
  std::string day;
};

struct Eligibility {
  int nextDose = 1;
  bool eligible = true;
  std::string reason;                      // under_age, over_age, course_complete, already_booked,
                                           // interval_not_met; "" when eligible
  std::optional<std::string> earliestDay;  // first day the next dose may be given
  std::optional<std::string> dueDay;       // advice: give it by this day
  std::string activeCode;                  // the booking that makes it already_booked
};

// `onDay` is the day the dose would be given (the slot's date) or today.
Eligibility eligibility(const Vaccine& v, const std::vector<Dose>& history, int age,
                        const Settings& s, const std::string& onDay);

bool admissible(int64_t now, int64_t startsAt, int64_t endsAt);
// When an unattended booking is released; nullopt when the rule is off for its type.
std::optional<int64_t> releaseAt(int64_t bookedAt, int64_t startsAt, int minutes);
// 10:00 local on the day before the window; nullopt when booked after that moment.
std::optional<int64_t> remindAt(int64_t bookedAt, const std::string& day);

}  // namespace fy::vax::rules
