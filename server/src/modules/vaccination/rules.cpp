#include "modules/vaccination/rules.h"

#include <algorithm>
#include <cstdio>

namespace fy::vax::rules {

namespace {

// Howard Hinnant's civil-day algorithms: proleptic Gregorian, exact for all our dates.
int64_t daysFromCivil(int y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

std::string civilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(y + (m <= 2)), m, d);
  return buf;
}

int64_t floorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

std::optional<int64_t> dayStart(const std::string& day) {
  int y = 0;
  unsigned m = 0, d = 0;
  char tail = 0;
  if (day.size() != 10 || std::sscanf(day.c_str(), "%4d-%2u-%2u%c", &y, &m, &d, &tail) != 3)
    return std::nullopt;
  if (y < 2000 || y > 2100 || m < 1 || m > 12 || d < 1 || d > 31) return std::nullopt;
  int64_t days = daysFromCivil(y, m, d);
  if (civilFromDays(days) != day) return std::nullopt;  // 2021-02-30 and the like
  return days * kDay - kZoneOffset;
}

std::string localDay(int64_t ms) { return civilFromDays(floorDiv(ms + kZoneOffset, kDay)); }

std::string addDays(const std::string& day, int days) {
  auto start = dayStart(day);
  if (!start) return day;
  return localDay(*start + days * kDay);
}

std::optional<int> parseHm(const std::string& s) {
  unsigned h = 0, m = 0;
  char tail = 0;
  if (s.size() != 5 || s[2] != ':' || std::sscanf(s.c_str(), "%2u:%2u%c", &h, &m, &tail) != 2)
    return std::nullopt;
  if (h > 24 || m > 59 || (h == 24 && m != 0)) return std::nullopt;
  return static_cast<int>(h * 60 + m);
}

std::string hm(int minutes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02d:%02d", minutes / 60, minutes % 60);
  return buf;
}

Eligibility eligibility(const Vaccine& v, const std::vector<Dose>& history, int age,
                        const Settings& s, const std::string& onDay) {
  Eligibility e;
  const Dose* last = nullptr;
  const Dose* first = nullptr;
  for (const auto& d : history) {
    if (!d.vaccinatedAt) continue;
    if (!last || d.doseNo > last->doseNo) last = &d;
    if (d.doseNo == 1) first = &d;
  }
  e.nextDose = last ? last->doseNo + 1 : 1;
  auto refuse = [&](const char* reason) {
    e.eligible = false;
    e.reason = reason;
    return e;
  };
  if (e.nextDose > v.doses) return refuse("course_complete");
  for (const auto& d : history)
    if (d.active && !d.vaccinatedAt && d.doseNo == e.nextDose) {
      e.activeCode = d.code;
      return refuse("already_booked");
    }
  if (e.nextDose > 1) {
    auto rule = std::find_if(v.rules.begin(), v.rules.end(),
                             [&](const DoseRule& r) { return r.doseNo == e.nextDose; });
    int minDays = rule == v.rules.end() ? 0 : rule->minDays;
    e.earliestDay = addDays(localDay(*last->vaccinatedAt), minDays);
    if (first && rule != v.rules.end() && rule->maxDaysFromFirst)
      e.dueDay = addDays(localDay(*first->vaccinatedAt), *rule->maxDaysFromFirst);
  }
  if (age < s.minAge) return refuse("under_age");
  if (age > s.maxAge) return refuse("over_age");
  if (e.earliestDay && onDay < *e.earliestDay) return refuse("interval_not_met");
  return e;
}

bool admissible(int64_t now, int64_t startsAt, int64_t endsAt) {
  return now >= startsAt - kAdmitMargin && now <= endsAt + kAdmitMargin;
}

std::optional<int64_t> releaseAt(int64_t bookedAt, int64_t startsAt, int minutes) {
  if (minutes <= 0) return std::nullopt;
  return std::max(bookedAt, startsAt) + minutes * kMinute;
}

std::optional<int64_t> remindAt(int64_t bookedAt, const std::string& day) {
  auto start = dayStart(day);
  if (!start) return std::nullopt;
  int64_t at = *start - kDay + 10 * kHour;
  if (bookedAt >= at) return std::nullopt;
  return at;
}

}  // namespace fy::vax::rules
