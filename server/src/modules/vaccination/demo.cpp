// `fangyi demo-data` for vaccination: enough to walk seed 000's whole flow at once.
#include <random>

#include "app/context.h"
#include "common/clock.h"
#include "modules/vaccination/internal.h"
#include "modules/vaccination/repo.h"
#include "modules/vaccination/rules.h"
#include "modules/vaccination/service.h"

namespace fy::vax {

namespace {

// A resident ID number with a valid GB 11643 check digit.
std::string idNumber(const std::string& area, const std::string& birth, int seq) {
  std::string s = area + birth + (seq < 10 ? "00" : seq < 100 ? "0" : "") + std::to_string(seq);
  static const int w[] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (s[i] - '0') * w[i];
  return s + "10X98765432"[sum % 11];
}

const char* kSurnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗";
const char* kGiven[] = {"伟", "芳", "娜", "敏", "静", "丽", "强", "磊",   "军", "洋",
                        "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "华", "平"};

}  // namespace

std::string seedDemo(soci::session& sql, AppContext& app, const Principal& rootIn) {
  Principal root = rootIn;
  root.regionLevel = region::kCity;
  Actor actor{0, "demo-data", "127.0.0.1", "demo"};
  int64_t now = Clock::nowMs();
  std::string today = rules::localDay(now);
  auto vaccines = repo::vaccines(sql, true);
  std::mt19937 rng(20210421);
  std::string staffLine;
  std::vector<region::Node> nodes = region::subtree(sql, root.regionPath);
  int streetNo = 0;
  for (const auto& street : nodes) {
    if (street.level != region::kStreet) continue;
    ++streetNo;
    Site site =
        saveSite(sql, root, actor, 0,
                 {street.id, street.name + "社区卫生服务中心", street.name + "人民路1号", true});
    for (int d = 0; d < 3; ++d) {
      std::string day = rules::addDays(today, d);
      saveSlot(sql, root, actor, 0,
               {"personal", day, "请带好身份证件和口罩", vaccines[0].id, site.id, 8 * 60,
                11 * 60 + 30, 300, true});
      saveSlot(sql, root, actor, 0,
               {"personal", day, "请带好身份证件和口罩", vaccines[0].id, site.id, 13 * 60 + 30,
                20 * 60, 300, true});
    }
    saveSlot(sql, root, actor, 0,
             {"personal", rules::addDays(today, 1), "三针型，请按间隔接种", vaccines[1].id, site.id,
              9 * 60, 16 * 60, 200, true});
    if (streetNo == 1) {
      saveSlot(sql, root, actor, 0,
               {"group", rules::addDays(today, 1), "团体预约：企业职工", vaccines[0].id, site.id,
                8 * 60, 20 * 60 + 30, 500, true});
      saveSlot(sql, root, actor, 0,
               {"foreign", rules::addDays(today, 1), "Please bring your passport", vaccines[0].id,
                site.id, 14 * 60, 17 * 60, 50, true});
      rotateGroupToken(sql, root, actor, street.id);
      auto issued = createStaff(sql, root, actor, site.id, "张护士");
      staffLine = site.name + "：姓名 张护士，通过码 " + issued.passcode;
    }
  }

  // Past doses, spread over the last two weeks, so that statistics and the board show life.
  std::uniform_real_distribution<double> share(0.02, 0.12);
  std::uniform_int_distribution<int> dayBack(1, 14), pick(0, 19);
  int seq = 0;
  std::map<std::pair<int64_t, std::string>, int> dayCounts;
  for (const auto& grid : nodes) {
    if (grid.level != region::kGrid) continue;
    int people = static_cast<int>(static_cast<double>(grid.population) * share(rng));
    for (int i = 0; i < people; ++i) {
      const Vaccine& v = vaccines[i % 5 == 4 ? 1 : 0];
      // Distinct people: the sequence number decides birth date and serial together.
      int k = ++seq / 1000;
      char birth[48];
      std::snprintf(birth, sizeof birth, "%04d%02d%02d", 1950 + k % 50, 1 + (k / 50) % 12,
                    1 + (k / 600) % 28);
      Person person = parsePerson("id_card", idNumber("320404", birth, seq % 1000), std::nullopt);
      std::string name = std::string(kSurnames + 3 * pick(rng), 3) + kGiven[pick(rng)];
      int doses = 1 + (i % 3 == 0 ? 0 : 1);
      int back = dayBack(rng);
      for (int dose = 1; dose <= doses && dose <= v.doses; ++dose) {
        Booking b;
        b.code = newBookingCode();
        b.type = "personal";
        b.vaccineId = v.id;
        b.doseNo = dose;
        b.streetId = grid.parentId;
        b.gridId = grid.id;
        b.regionPath = grid.path;
        b.day = rules::addDays(today, -(dose == 1 ? back + 21 : back));
        b.startsAt = b.endsAt = *rules::dayStart(b.day);
        b.vaccinatedAt = b.checkedInAt = b.startsAt + 9 * rules::kHour;
        b.name = name;
        setIdentity(b, app, person, personKey(app, person.idNumber));
        b.status = "booked";
        b.source = "history";
        b.lotNo = "202111A" + std::to_string(dose);
        b.createdAt = b.updatedAt = now;
        repo::insertBooking(sql, b, false);
        repo::bumpGrid(sql, grid.id, v.id, dose, 1, 1);
        dayCounts[{grid.parentId, b.day}]++;
      }
    }
  }
  for (const auto& [k, n] : dayCounts) repo::bumpDay(sql, k.first, k.second, 0, n, 0);
  return staffLine;
}

}  // namespace fy::vax
