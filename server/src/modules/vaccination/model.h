#pragma once
// Records of the vaccination module as the services see them (SPEC V1–V15).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fy::vax {

struct DoseRule {
  int doseNo = 0;                       // 2, 3, …
  int minDays = 0;                      // at least this many days after the previous dose
  std::optional<int> maxDaysFromFirst;  // advice: due within this many days of dose 1
};

struct Vaccine {
  int64_t id = 0;
  std::string code, name, nameEn, manufacturer;
  int doses = 1;
  std::vector<DoseRule> rules;
  bool enabled = true;
  int sortOrder = 0;
  int64_t createdAt = 0, updatedAt = 0;
};

struct Site {
  int64_t id = 0;
  int64_t streetId = 0;
  std::string regionPath;
  std::string name, address;
  bool enabled = true;
  std::string streetName, districtName;
  int64_t staffCount = 0;
  int64_t createdAt = 0, updatedAt = 0;
};

struct Staff {
  int64_t id = 0;
  int64_t siteId = 0;
  std::string regionPath;
  std::string name;
  bool enabled = true;
  std::string siteName;
  int64_t createdAt = 0, updatedAt = 0;
};

struct Slot {
  int64_t id = 0;
  std::string type;  // personal | group | foreign
  int64_t vaccineId = 0, siteId = 0, streetId = 0;
  std::string regionPath;
  std::string day;  // local date YYYY-MM-DD
  int startMin = 0, endMin = 0;
  int64_t startsAt = 0, endsAt = 0;
  int quota = 0, booked = 0, vaccinated = 0;
  bool locked = false;
  bool captcha = false;  // bookings of this release must answer an image captcha
  std::string remark;
  std::string vaccineName, vaccineNameEn, siteName, siteAddress, streetName;
  int vaccineDoses = 1;
  int64_t createdAt = 0, updatedAt = 0;
};

struct Booking {
  int64_t id = 0;
  std::string code, type;
  std::optional<int64_t> slotId, siteId;
  int64_t vaccineId = 0;
  int doseNo = 1;
  int64_t streetId = 0, gridId = 0;
  std::string regionPath;
  std::string day;
  int startMin = 0, endMin = 0;
  int64_t startsAt = 0, endsAt = 0;
  std::string name, idType, idEnc, idHash, idTail, idMask, birthDate, sex;
  std::string phoneEnc, phoneHash, phoneMask, addressEnc, nationality, proxyName, proxyEnc;
  std::string status;  // booked | cancelled
  std::optional<std::string> cancelBy;
  std::string cancelReason;
  std::optional<int64_t> checkedInAt, vaccinatedAt;
  std::string lotNo, vaccinator;
  std::optional<int64_t> releaseAt, remindAt;
  std::string source;  // online | import | history
  std::optional<std::string> idemKey;
  int64_t createdAt = 0, updatedAt = 0;
  // joined for display
  std::string vaccineName, vaccineNameEn, siteName, siteAddress, streetName, gridName, remark;
  int vaccineDoses = 1;

  bool active() const { return status == "booked"; }
};

struct Settings {
  double coverageTarget = 0.44;
  int minAge = 18;
  int maxAge = 120;
  int releasePersonal = 60, releaseGroup = 60, releaseForeign = 60;  // minutes; 0 = off
  std::string notice, noticeEn;
  int releaseMinutes(const std::string& type) const {
    return type == "group" ? releaseGroup : type == "foreign" ? releaseForeign : releasePersonal;
  }
};

}  // namespace fy::vax
