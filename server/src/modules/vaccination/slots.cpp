// Time slots (号源, V3): type, vaccine, date and window, site, quota; lock and re-release.
#include "common/clock.h"
#include "modules/audit/service.h"
#include "modules/vaccination/board.h"
#include "modules/vaccination/internal.h"
#include "modules/vaccination/repo.h"
#include "modules/vaccination/rules.h"

namespace fy::vax {

json toJson(const Slot& s, int64_t now) {
  bool expired = now >= s.endsAt;
  int remaining = std::max(0, s.quota - s.booked);
  return {{"id", s.id},
          {"type", s.type},
          {"vaccineId", s.vaccineId},
          {"vaccineName", s.vaccineName},
          {"vaccineNameEn", s.vaccineNameEn},
          {"doses", s.vaccineDoses},
          {"siteId", s.siteId},
          {"siteName", s.siteName},
          {"siteAddress", s.siteAddress},
          {"streetId", s.streetId},
          {"streetName", s.streetName},
          {"date", s.day},
          {"startTime", rules::hm(s.startMin)},
          {"endTime", rules::hm(s.endMin)},
          {"quota", s.quota},
          {"booked", s.booked},
          {"remaining", remaining},
          {"vaccinated", s.vaccinated},
          {"status", s.locked ? "locked" : "enabled"},
          {"online", !s.locked && !expired && remaining > 0},
          {"expired", expired},
          {"remark", s.remark},
          {"captcha", s.captcha},
          {"createdAt", s.createdAt}};
}

Slot slotInScope(soci::session& sql, const Principal& p, int64_t id) {
  auto s = repo::slot(sql, id);
  if (!s || !p.inScope(s->regionPath)) throw Problem::notFound("slot");
  return *s;
}

Slot saveSlot(soci::session& sql, const Principal& p, const Actor& a, int64_t id,
              const SlotInput& in) {
  Vaccine v = requireVaccine(sql, in.vaccineId);
  if (!v.enabled) throw Problem::invalidField("vaccineId", "disabled", "this vaccine is disabled");
  Site site = siteInScope(sql, p, in.siteId);
  if (!site.enabled) throw Problem::invalidField("siteId", "disabled", "this site is disabled");
  auto dayStart = rules::dayStart(in.day);
  if (!dayStart) throw Problem::invalidField("date", "invalid_date", "use YYYY-MM-DD");
  if (in.endMin <= in.startMin)
    throw Problem::invalidField("endTime", "before_start", "the end must be after the start");

  Slot s;
  json before;
  int64_t now = Clock::nowMs();
  if (id) {
    s = slotInScope(sql, p, id);
    before = toJson(s, now);
    bool moved = s.vaccineId != in.vaccineId || s.siteId != in.siteId || s.day != in.day ||
                 s.startMin != in.startMin || s.endMin != in.endMin || s.type != in.type;
    if (moved && s.booked > 0)
      throw Problem::conflict("slot_has_bookings",
                              "people have booked this slot: only quota and remark may change");
    if (in.quota < s.booked)
      throw Problem::invalidField(
          "quota", "below_booked",
          "the quota cannot go below the " + std::to_string(s.booked) + " places already booked");
  } else {
    s.locked = !in.enabled;
    s.createdAt = now;
  }
  s.type = in.type;
  s.vaccineId = v.id;
  s.siteId = site.id;
  s.streetId = site.streetId;
  s.regionPath = site.regionPath;
  s.day = in.day;
  s.startMin = in.startMin;
  s.endMin = in.endMin;
  s.startsAt = *dayStart + in.startMin * rules::kMinute;
  s.endsAt = *dayStart + in.endMin * rules::kMinute;
  s.quota = in.quota;
  s.remark = in.remark;
  s.captcha = in.captcha;
  s.updatedAt = now;
  if (id) {
    repo::updateSlot(sql, s);
    placesFreed(sql, id);  // the quota may have grown
  } else
    s.id = repo::insertSlot(sql, s);
  Slot saved = *repo::slot(sql, s.id);
  audit::record(sql, a,
                {id ? "update" : "create", "vax_slot", saved.id, saved.regionPath,
                 saved.day + " " + rules::hm(saved.startMin) + "-" + rules::hm(saved.endMin) + " " +
                     saved.siteName,
                 before, toJson(saved, now)});
  return saved;
}

Slot lockSlot(soci::session& sql, const Principal& p, const Actor& a, int64_t id, bool locked) {
  Slot s = slotInScope(sql, p, id);
  int64_t now = Clock::nowMs();
  repo::setSlotLocked(sql, id, locked, now);
  Slot saved = *repo::slot(sql, id);
  audit::record(sql, a,
                {locked ? "lock" : "release", "vax_slot", id, s.regionPath,
                 locked ? "锁定" : "重新发布", toJson(s, now), toJson(saved, now)});
  return saved;
}

Slot addQuota(soci::session& sql, const Principal& p, const Actor& a, int64_t id, int add) {
  Slot s = slotInScope(sql, p, id);
  int64_t now = Clock::nowMs();
  repo::addQuota(sql, id, add, now);
  placesFreed(sql, id);
  Slot saved = *repo::slot(sql, id);
  audit::record(sql, a,
                {"quota", "vax_slot", id, s.regionPath, "加名额 " + std::to_string(add),
                 toJson(s, now), toJson(saved, now)});
  return saved;
}

}  // namespace fy::vax
