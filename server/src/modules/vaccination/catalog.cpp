// Settings, vaccine catalogue (V1), sites and their staff (V2, V12), booking links (V4, V5).
#include <algorithm>

#include "app/context.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "modules/audit/service.h"
#include "modules/vaccination/internal.h"
#include "modules/vaccination/repo.h"

namespace fy::vax {

namespace {

const char* kDefaultNotice =
    "一、接种对象：18周岁及以上人群（没有户籍要求）。\n"
    "二、接种禁忌：对疫苗成分过敏者，或以前接种同类疫苗时出现过敏者；既往发生过疫苗严重过敏反应者；"
    "患有未控制的癫痫和其他严重神经系统疾病者；正在发热者，或患急性疾病、慢性疾病的急性发作期、"
    "未控制的严重慢性病患者；妊娠期妇女。\n"
    "三、接种后注意事项：接种后在留观区留观30分钟；注射部位1天内避免接触水；接种后1周内避免食用辛辣"
    "刺激食物。\n"
    "四、请携带本人身份证件、佩戴口罩，在预约时间段内前往接种点；预约成功后超过1小时未到场接种，"
    "系统将自动取消预约。";
const char* kDefaultNoticeEn =
    "1. Who: people aged 18 or over; no residence requirement.\n"
    "2. Do not get vaccinated if you are allergic to any ingredient of the vaccine, had a severe "
    "allergic reaction to a vaccine before, have uncontrolled epilepsy or another serious nervous "
    "system disease, have a fever or an acute illness, or are pregnant.\n"
    "3. After the injection, stay 30 minutes in the observation area.\n"
    "4. Bring your passport and wear a mask. A booking not attended within 1 hour of its start "
    "is cancelled automatically.";

void requireCity(const Principal& p) {
  if (p.regionLevel != region::kCity)
    throw Problem::forbidden("city_only", "only city-level accounts may change this");
}

int intOr(const std::map<std::string, std::string>& m, const std::string& k, int dflt) {
  auto it = m.find(k);
  if (it == m.end()) return dflt;
  try {
    return std::stoi(it->second);
  } catch (...) {
    return dflt;
  }
}

}  // namespace

// ------------------------------------------------------------------ settings

Settings loadSettings(soci::session& sql) {
  auto m = repo::settings(sql);
  Settings s;
  if (auto it = m.find("coverageTarget"); it != m.end()) s.coverageTarget = std::stod(it->second);
  s.minAge = intOr(m, "minAge", s.minAge);
  s.maxAge = intOr(m, "maxAge", s.maxAge);
  s.releasePersonal = intOr(m, "release.personal", s.releasePersonal);
  s.releaseGroup = intOr(m, "release.group", s.releaseGroup);
  s.releaseForeign = intOr(m, "release.foreign", s.releaseForeign);
  s.notice = m.count("notice") ? m["notice"] : kDefaultNotice;
  s.noticeEn = m.count("noticeEn") ? m["noticeEn"] : kDefaultNoticeEn;
  return s;
}

json toJson(const Settings& s) {
  return {
      {"coverageTarget", s.coverageTarget},
      {"minAge", s.minAge},
      {"maxAge", s.maxAge},
      {"releaseMinutes",
       {{"personal", s.releasePersonal}, {"group", s.releaseGroup}, {"foreign", s.releaseForeign}}},
      {"notice", s.notice},
      {"noticeEn", s.noticeEn}};
}

Settings saveSettings(soci::session& sql, const Principal& p, const Actor& a, const Settings& s) {
  requireCity(p);
  Settings before = loadSettings(sql);
  int64_t now = Clock::nowMs();
  repo::putSetting(sql, "coverageTarget", std::to_string(s.coverageTarget), now);
  repo::putSetting(sql, "minAge", std::to_string(s.minAge), now);
  repo::putSetting(sql, "maxAge", std::to_string(s.maxAge), now);
  repo::putSetting(sql, "release.personal", std::to_string(s.releasePersonal), now);
  repo::putSetting(sql, "release.group", std::to_string(s.releaseGroup), now);
  repo::putSetting(sql, "release.foreign", std::to_string(s.releaseForeign), now);
  repo::putSetting(sql, "notice", s.notice, now);
  repo::putSetting(sql, "noticeEn", s.noticeEn, now);
  // Waiting bookings follow the new release rule at once.
  if (s.releasePersonal != before.releasePersonal)
    repo::setReleaseMinutes(sql, "personal", s.releasePersonal);
  if (s.releaseGroup != before.releaseGroup) repo::setReleaseMinutes(sql, "group", s.releaseGroup);
  if (s.releaseForeign != before.releaseForeign)
    repo::setReleaseMinutes(sql, "foreign", s.releaseForeign);
  Settings after = loadSettings(sql);
  audit::record(
      sql, a,
      {"update", "vax_setting", 0, p.regionPath, "预约设置", toJson(before), toJson(after)});
  return after;
}

// ------------------------------------------------------------------ vaccines

json toJson(const Vaccine& v) {
  json rules = json::array();
  for (const auto& r : v.rules)
    rules.push_back(
        {{"doseNo", r.doseNo},
         {"minDays", r.minDays},
         {"maxDaysFromFirst", r.maxDaysFromFirst ? json(*r.maxDaysFromFirst) : json()}});
  return {{"id", v.id},
          {"code", v.code},
          {"name", v.name},
          {"nameEn", v.nameEn},
          {"manufacturer", v.manufacturer},
          {"doses", v.doses},
          {"rules", rules},
          {"enabled", v.enabled},
          {"sortOrder", v.sortOrder},
          {"createdAt", v.createdAt},
          {"updatedAt", v.updatedAt}};
}

Vaccine requireVaccine(soci::session& sql, int64_t id) {
  auto v = repo::vaccine(sql, id);
  if (!v) throw Problem::notFound("vaccine");
  return *v;
}

Vaccine saveVaccine(soci::session& sql, const Principal& p, const Actor& a, Vaccine v) {
  requireCity(p);
  if (repo::vaccineTaken(sql, v.code, v.name, v.id))
    throw Problem::conflict("vaccine_exists", "a vaccine with this code or name exists");
  std::sort(v.rules.begin(), v.rules.end(),
            [](const DoseRule& x, const DoseRule& y) { return x.doseNo < y.doseNo; });
  for (const auto& r : v.rules)
    if (r.doseNo < 2 || r.doseNo > v.doses)
      throw Problem::invalidField("rules", "out_of_range",
                                  "each rule names a dose from 2 to the number of doses");
  v.updatedAt = Clock::nowMs();
  json before;
  if (v.id) {
    auto old = requireVaccine(sql, v.id);
    before = toJson(old);
    v.createdAt = old.createdAt;
    repo::updateVaccine(sql, v);
  } else {
    v.createdAt = v.updatedAt;
    v.id = repo::insertVaccine(sql, v);
  }
  Vaccine saved = requireVaccine(sql, v.id);
  audit::record(sql, a,
                {before.is_null() ? "create" : "update", "vax_vaccine", saved.id, p.regionPath,
                 saved.name, before, toJson(saved)});
  return saved;
}

Vaccine setVaccineEnabled(soci::session& sql, const Principal& p, const Actor& a, int64_t id,
                          bool on) {
  Vaccine v = requireVaccine(sql, id);
  v.enabled = on;
  return saveVaccine(sql, p, a, v);
}

// ------------------------------------------------------------------ sites

json toJson(const Site& s) {
  return {{"id", s.id},
          {"streetId", s.streetId},
          {"streetName", s.streetName},
          {"districtName", s.districtName},
          {"name", s.name},
          {"address", s.address},
          {"enabled", s.enabled},
          {"staffCount", s.staffCount},
          {"createdAt", s.createdAt}};
}

Site siteInScope(soci::session& sql, const Principal& p, int64_t id) {
  auto s = repo::site(sql, id);
  if (!s || !p.inScope(s->regionPath)) throw Problem::notFound("site");
  return *s;
}

Site saveSite(soci::session& sql, const Principal& p, const Actor& a, int64_t id,
              const SiteInput& in) {
  region::Node street = region::findInScope(sql, p, in.streetId);
  if (street.level != region::kStreet)
    throw Problem::invalidField("streetId", "not_a_street", "a site belongs to a street");
  if (repo::siteNameTaken(sql, street.id, in.name, id))
    throw Problem::conflict("site_exists", "this street already has a site of that name");
  Site s;
  json before;
  if (id) {
    s = siteInScope(sql, p, id);
    before = toJson(s);
  }
  s.streetId = street.id;
  s.regionPath = street.path;
  s.name = in.name;
  s.address = in.address;
  s.enabled = id ? s.enabled : in.enabled;
  s.updatedAt = Clock::nowMs();
  if (id) {
    repo::updateSite(sql, s);
  } else {
    s.createdAt = s.updatedAt;
    s.id = repo::insertSite(sql, s);
  }
  Site saved = *repo::site(sql, s.id);
  audit::record(sql, a,
                {id ? "update" : "create", "vax_site", saved.id, saved.regionPath, saved.name,
                 before, toJson(saved)});
  return saved;
}

Site setSiteEnabled(soci::session& sql, const Principal& p, const Actor& a, int64_t id, bool on) {
  Site s = siteInScope(sql, p, id);
  json before = toJson(s);
  s.enabled = on;
  s.updatedAt = Clock::nowMs();
  repo::updateSite(sql, s);
  Site saved = *repo::site(sql, id);
  audit::record(sql, a,
                {"status", "vax_site", id, saved.regionPath, saved.name, before, toJson(saved)});
  return saved;
}

// ------------------------------------------------------------------ staff

json toJson(const Staff& s) {
  return {{"id", s.id},     {"siteId", s.siteId},   {"siteName", s.siteName},
          {"name", s.name}, {"enabled", s.enabled}, {"createdAt", s.createdAt}};
}

Staff staffInScope(soci::session& sql, const Principal& p, int64_t id) {
  auto s = repo::staffById(sql, id);
  if (!s || !p.inScope(s->regionPath)) throw Problem::notFound("staff");
  return *s;
}

namespace {
// 10 digits: typed on a phone, and the hash is unique so that the code alone finds the staff.
std::string newPasscode(soci::session& sql) {
  for (;;) {
    std::string code = crypto::randomDigits(10);
    if (!repo::staffByPasscode(sql, crypto::tokenHash(code))) return code;
  }
}
}  // namespace

IssuedStaff createStaff(soci::session& sql, const Principal& p, const Actor& a, int64_t siteId,
                        const std::string& name) {
  Site site = siteInScope(sql, p, siteId);
  Staff s;
  s.siteId = site.id;
  s.regionPath = site.regionPath;
  s.name = name;
  s.createdAt = s.updatedAt = Clock::nowMs();
  std::string code = newPasscode(sql);
  s.id = repo::insertStaff(sql, s, crypto::tokenHash(code));
  Staff saved = *repo::staffById(sql, s.id);
  audit::record(
      sql, a,
      {"create", "vax_staff", saved.id, saved.regionPath, saved.name, nullptr, toJson(saved)});
  return {saved, code};
}

IssuedStaff resetPasscode(soci::session& sql, const Principal& p, const Actor& a, int64_t id) {
  Staff s = staffInScope(sql, p, id);
  std::string code = newPasscode(sql);
  repo::setStaffPasscode(sql, id, crypto::tokenHash(code), Clock::nowMs());
  repo::deleteStaffSessionsOf(sql, id);
  audit::record(sql, a,
                {"reset_password", "vax_staff", id, s.regionPath, s.name, nullptr, nullptr});
  return {s, code};
}

Staff setStaffEnabled(soci::session& sql, const Principal& p, const Actor& a, int64_t id, bool on) {
  Staff s = staffInScope(sql, p, id);
  json before = toJson(s);
  repo::setStaffEnabled(sql, id, on, Clock::nowMs());
  if (!on) repo::deleteStaffSessionsOf(sql, id);
  Staff saved = *repo::staffById(sql, id);
  audit::record(sql, a, {"status", "vax_staff", id, s.regionPath, s.name, before, toJson(saved)});
  return saved;
}

// ------------------------------------------------------------------ links

std::optional<Link> resolveLink(soci::session& sql, const std::string& token) {
  if (token.empty() || token.size() > 64) return std::nullopt;
  Link link;
  if (auto node = region::byLinkToken(sql, token)) {
    if (node->level != region::kDistrict && node->level != region::kStreet) return std::nullopt;
    link.kind = node->level == region::kDistrict ? "district" : "street";
    link.region = *node;
  } else if (auto street = repo::streetOfGroupToken(sql, token)) {
    auto node = region::find(sql, *street);
    if (!node) return std::nullopt;
    link.kind = "group";
    link.region = *node;
  } else {
    return std::nullopt;
  }
  if (!link.region.enabled) return std::nullopt;
  if (link.region.level == region::kStreet)
    if (auto d = region::find(sql, link.region.parentId)) link.districtName = d->name;
  return link;
}

std::string linkUrl(const AppContext& app, const std::string& token) {
  return app.publicUrl + "/m/book/" + token;
}

std::string rotateGroupToken(soci::session& sql, const Principal& p, const Actor& a,
                             int64_t streetId) {
  region::Node street = region::findInScope(sql, p, streetId);
  if (street.level != region::kStreet)
    throw Problem::invalidField("regionId", "not_a_street", "group links belong to streets");
  std::string token = crypto::randomToken(16);
  repo::setGroupToken(sql, street.id, token, Clock::nowMs());
  audit::record(sql, a,
                {"rotate", "vax_group_link", street.id, street.path, street.name + " 团体预约地址",
                 nullptr, nullptr});
  return token;
}

}  // namespace fy::vax
