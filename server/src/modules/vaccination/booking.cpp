// Bookings: citizen booking and self-service (V6–V8), records work (V9), site work (V12, V13).
#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>

#include "app/context.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "db/soci.h"
#include "http/json_out.h"
#include "modules/audit/service.h"
#include "modules/notify/service.h"
#include "modules/vaccination/board.h"
#include "modules/vaccination/internal.h"
#include "modules/vaccination/repo.h"
#include "modules/vaccination/rules.h"

namespace fy::vax {

namespace {

std::string upperTrim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n"), e = s.find_last_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  std::string out = s.substr(b, e - b + 1);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

idnum::Date toDate(const std::string& day) {
  idnum::Date d{0, 0, 0};
  std::sscanf(day.c_str(), "%d-%d-%d", &d.y, &d.m, &d.d);
  return d;
}

}  // namespace

const region::Node& gridUnder(const std::optional<region::Node>& g, const std::string& underPath) {
  if (!g || g->level != region::kGrid || !g->enabled || g->path.rfind(underPath, 0) != 0)
    throw Problem::invalidField("gridId", "not_in_region", "choose a grid (网格) of this region");
  return *g;
}

bool validPhone(idnum::DocType t, const std::string& phone) {
  if (idnum::isValidMobile(phone)) return true;
  if (t == idnum::DocType::ResidentId) return false;
  // Foreigners may give a number of their own country.
  if (phone.size() < 6 || phone.size() > 20) return false;
  return std::all_of(phone.begin() + (phone[0] == '+' ? 1 : 0), phone.end(),
                     [](char c) { return c >= '0' && c <= '9'; });
}

// Written directly: every booking of a flash crowd writes one audit row.
std::string bookingAuditText(const Booking& b) {
  http::JsonOut o;
  o.str("code", b.code).str("name", b.name).str("idMasked", b.idMask);
  o.str("phoneMasked", b.phoneMask).num("vaccineId", b.vaccineId).num("doseNo", b.doseNo);
  o.num("slotId", b.slotId).num("gridId", b.gridId).str("status", b.status);
  o.optStr("cancelBy", b.cancelBy).boolean("checkedIn", b.checkedInAt.has_value());
  o.boolean("vaccinated", b.vaccinatedAt.has_value()).str("lotNo", b.lotNo);
  o.str("vaccinator", b.vaccinator);
  return o.take();
}

json bookingAuditJson(const Booking& b) { return json::parse(bookingAuditText(b)); }

std::map<std::string, std::string> bookingSmsVars(const Booking& b) {
  return {{"name", b.name},
          {"vaccine", b.vaccineName},
          {"dose", std::to_string(b.doseNo)},
          {"time", b.day + " " + rules::hm(b.startMin) + "-" + rules::hm(b.endMin)},
          {"site", b.siteName},
          {"code", b.code}};
}

namespace {

Booking reload(soci::session& sql, int64_t id) { return *repo::booking(sql, id); }

void recordChange(soci::session& sql, const Actor& a, const std::string& action,
                  const Booking& before, const Booking& after, const std::string& summary) {
  audit::record(sql, a,
                {action, "vax_booking", after.id, after.regionPath, summary,
                 before.id ? bookingAuditJson(before) : json(), bookingAuditJson(after)});
}

// A cancelled booking gives its place back at once, so the same day's vaccine is offered again.
void afterCancel(soci::session& sql, const Booking& b, bool released) {
  int64_t now = Clock::nowMs();
  if (b.slotId) {
    repo::givePlaceBack(sql, *b.slotId, now);
    placesFreed(sql, *b.slotId);
  }
  repo::bumpGrid(sql, b.gridId, b.vaccineId, b.doseNo, -1, 0);
  if (released) repo::bumpDay(sql, b.streetId, rules::localDay(now), 0, 0, 1);
}

region::Node requireGrid(soci::session& sql, int64_t gridId, const std::string& underPath) {
  return gridUnder(region::find(sql, gridId), underPath);
}

void moveGrid(soci::session& sql, Booking& b, const region::Node& grid) {
  if (grid.id == b.gridId) return;
  int booked = b.active() ? 1 : 0, vaccinated = b.vaccinatedAt ? 1 : 0;
  repo::bumpGrid(sql, b.gridId, b.vaccineId, b.doseNo, -booked, -vaccinated);
  repo::bumpGrid(sql, grid.id, b.vaccineId, b.doseNo, booked, vaccinated);
  b.gridId = grid.id;
  b.streetId = grid.parentId;
  b.regionPath = grid.path;
}

std::string districtPathOf(soci::session& sql, const Booking& b) {
  auto street = region::find(sql, b.streetId);
  if (!street) return b.regionPath;
  auto district = region::find(sql, street->parentId);
  return district ? district->path : street->path;
}

Booking personBooking(soci::session& sql, AppContext& app, const std::string& code,
                      const std::string& idNumber) {
  auto b = repo::bookingByCode(sql, code);
  if (!b || b->idHash != personKey(app, upperTrim(idNumber)))
    throw Problem(404, "not_found", "no booking matches this code and ID number");
  return *b;
}

}  // namespace

// ------------------------------------------------------------------ people

std::string newBookingCode() {
  constexpr int64_t kEpochMs = 1577836800000;  // 2020-01-01 UTC
  constexpr uint64_t kMix = 738457;            // odd and not a multiple of 5: a bijection mod 10^6
  // A random start keeps two processes (two nodes, or a restart with the clock set back) from
  // walking the same counter values; a code both draw anyway is drawn again at insert.
  static std::atomic<uint64_t> counter{std::stoull(crypto::randomDigits(6))};
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  const uint64_t tick = static_cast<uint64_t>(ms - kEpochMs) / 10 % 1000000000000ULL;
  const uint64_t tail = counter.fetch_add(1, std::memory_order_relaxed) % 1000000 * kMix % 1000000;
  char buf[24];
  std::snprintf(buf, sizeof buf, "%012llu%06llu", static_cast<unsigned long long>(tick),
                static_cast<unsigned long long>(tail));
  return buf;
}

std::string personKey(AppContext& app, const std::string& normalizedId) {
  return app.vault.blindIndex("id:" + normalizedId);
}

std::string personPhoneKey(AppContext& app, const std::string& phone) {
  return app.vault.blindIndex("phone:" + phone);
}

void setIdentity(Booking& b, AppContext& app, const Person& p, std::string idHash) {
  b.idType = std::string(idnum::toString(p.docType));
  b.idEnc = app.vault.seal(p.idNumber);
  b.idHash = std::move(idHash);
  // The last six characters reversed: a short code (last 4-6) becomes an indexed prefix.
  std::string tail = p.idNumber.substr(p.idNumber.size() > 6 ? p.idNumber.size() - 6 : 0);
  b.idTail = std::string(tail.rbegin(), tail.rend());
  b.idMask = idnum::mask(p.idNumber);
  b.birthDate = p.birthDate;
  b.sex = p.sex;
}

void setPhone(Booking& b, AppContext& app, const std::string& phone) {
  b.phoneEnc = phone.empty() ? "" : app.vault.seal(phone);
  b.phoneHash = phone.empty() ? "" : personPhoneKey(app, phone);
  b.phoneMask = phone.empty() ? "" : idnum::maskPhone(phone);
}

void notifyBooking(soci::session& sql, AppContext& app, const Booking& b, const std::string& tmpl,
                   const std::map<std::string, std::string>& extra) {
  if (b.phoneEnc.empty()) return;
  auto vars = bookingSmsVars(b);
  for (const auto& [k, v] : extra) vars[k] = v;
  notify::enqueue(sql, app, app.vault.open(b.phoneEnc), tmpl, vars, b.regionPath);
}

bool releaseDue(soci::session& sql, AppContext& app, int64_t id, int64_t now) {
  auto b = repo::booking(sql, id);
  // The conditional UPDATE decides: a booking checked in, vaccinated or released by another
  // process meanwhile is left alone.
  if (!b || !repo::cancel(sql, id, "system", "超时未登记/接种，系统自动释放", false, now))
    return false;
  afterCancel(sql, *b, true);
  Booking after = reload(sql, id);
  notifyBooking(sql, app, after, "vax_released");
  recordChange(sql, Actor{0, "system", "", ""}, "release", *b, after,
               "智能释放：超时未接种自动取消");
  return true;
}

bool remindDue(soci::session& sql, AppContext& app, int64_t id) {
  auto b = repo::booking(sql, id);
  if (!b || !repo::clearRemind(sql, id)) return false;
  notifyBooking(sql, app, *b, "vax_reminder");
  return true;
}

Person parsePerson(const std::string& idType, const std::string& idNumber,
                   const std::optional<std::string>& birthDate) {
  auto type = idnum::docTypeFromString(idType);
  if (!type) throw Problem::invalidField("idType", "invalid", "use id_card, passport or other");
  std::string today = rules::localDay(Clock::nowMs());
  auto parsed = idnum::parse(*type, idNumber, toDate(today));
  if (auto* err = std::get_if<idnum::Error>(&parsed))
    throw Problem(422, "invalid_id_number", "idNumber: " + err->message,
                  {{"idNumber", err->code, err->message}});
  const auto& ok = std::get<idnum::Parsed>(parsed);
  Person p;
  p.docType = *type;
  p.idNumber = ok.normalized;
  if (ok.birth) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", ok.birth->y, ok.birth->m, ok.birth->d);
    p.birthDate = buf;
  } else {
    if (!birthDate)
      throw Problem::invalidField("birthDate", "required", "give the date of birth (YYYY-MM-DD)");
    idnum::Date d = toDate(*birthDate);
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d.y, d.m, d.d);
    if (!idnum::isValidDate(d) || buf != *birthDate || *birthDate > today)
      throw Problem::invalidField("birthDate", "invalid_date", "give a real date (YYYY-MM-DD)");
    p.birthDate = *birthDate;
  }
  p.sex = ok.sex == 'M' ? "M" : ok.sex == 'F' ? "F" : "";
  return p;
}

int ageOf(const Person& p, const std::string& onDay) {
  return idnum::ageOn(toDate(p.birthDate), toDate(onDay));
}

KeywordMatch matchKeyword(AppContext& app, const std::string& keyword) {
  KeywordMatch m;
  std::string k = upperTrim(keyword);
  bool digits = !k.empty() && std::all_of(k.begin(), k.end(), [](char c) {
    return (c >= '0' && c <= '9') || c == 'X';
  });
  bool alnum = !k.empty() && std::all_of(k.begin(), k.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || c == '-';
  });
  bool hasDigit = std::any_of(k.begin(), k.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!hasDigit)
    m.name = keyword;  // Latin names too ("Maria"): documents and tails carry digits
  else if (digits && k.size() == 11 && k[0] == '1' && k.find('X') == std::string::npos)
    m.phoneHash = personPhoneKey(app, k);
  else if (digits && k.size() == 18 &&
           std::holds_alternative<idnum::Parsed>(
               idnum::parse(idnum::DocType::ResidentId, k, toDate("2100-01-01"))))
    m.idHash = personKey(app, k);
  else if (digits && k.size() == 18)
    m.code = k;
  else if (alnum && k.size() >= 4 && k.size() <= 6)
    m.idTailRev = std::string(k.rbegin(), k.rend());
  else if (alnum && k.size() > 6)
    m.idHash = personKey(app, k);  // a passport or other document number
  else
    m.name = keyword;
  return m;
}

// ------------------------------------------------------------------ JSON

json adminJson(const Booking& b, int64_t now) {
  auto opt = [](const std::optional<int64_t>& v) { return v ? json(*v) : json(); };
  return {{"id", b.id},
          {"code", b.code},
          {"type", b.type},
          {"name", b.name},
          {"idType", b.idType},
          {"idMasked", b.idMask},
          {"phoneMasked", b.phoneMask},
          {"age", b.birthDate.empty()
                      ? json()
                      : json(idnum::ageOn(toDate(b.birthDate), toDate(rules::localDay(now))))},
          {"sex", b.sex},
          {"nationality", b.nationality},
          {"vaccineId", b.vaccineId},
          {"vaccineName", b.vaccineName},
          {"doses", b.vaccineDoses},
          {"doseNo", b.doseNo},
          {"slotId", opt(b.slotId)},
          {"date", b.day},
          {"startTime", rules::hm(b.startMin)},
          {"endTime", rules::hm(b.endMin)},
          {"siteId", opt(b.siteId)},
          {"siteName", b.siteName},
          {"streetId", b.streetId},
          {"streetName", b.streetName},
          {"gridId", b.gridId},
          {"gridName", b.gridName},
          {"remark", b.remark},
          {"status", b.status},
          {"cancelBy", b.cancelBy ? json(*b.cancelBy) : json()},
          {"cancelReason", b.cancelReason},
          {"checkedIn", b.checkedInAt.has_value()},
          {"checkedInAt", opt(b.checkedInAt)},
          {"vaccinated", b.vaccinatedAt.has_value()},
          {"vaccinatedAt", opt(b.vaccinatedAt)},
          {"lotNo", b.lotNo},
          {"vaccinator", b.vaccinator},
          {"releaseAt", opt(b.releaseAt)},
          {"source", b.source},
          {"proxyName", b.proxyName},
          {"admissible", b.active() && !b.vaccinatedAt && b.slotId &&
                             rules::admissible(now, b.startsAt, b.endsAt)},
          {"windowFrom", b.startsAt - rules::kAdmitMargin},
          {"windowTo", b.endsAt + rules::kAdmitMargin},
          {"createdAt", b.createdAt}};
}

// The citizen's view, written directly: it answers every booking of a flash crowd.
std::string publicBody(const Booking& b, int64_t now) {
  http::JsonOut o;
  o.str("code", b.code).str("type", b.type).str("name", b.name).str("idType", b.idType);
  o.str("idMasked", b.idMask).str("phoneMasked", b.phoneMask);
  if (b.birthDate.empty())
    o.null("age");
  else
    o.num("age", idnum::ageOn(toDate(b.birthDate), toDate(rules::localDay(now))));
  o.str("sex", b.sex).str("nationality", b.nationality);
  o.num("vaccineId", b.vaccineId).str("vaccineName", b.vaccineName);
  o.str("vaccineNameEn", b.vaccineNameEn).num("doses", b.vaccineDoses).num("doseNo", b.doseNo);
  o.str("date", b.day).str("startTime", rules::hm(b.startMin)).str("endTime", rules::hm(b.endMin));
  o.str("siteName", b.siteName).str("siteAddress", b.siteAddress);
  o.str("streetName", b.streetName).num("gridId", b.gridId).str("gridName", b.gridName);
  o.str("remark", b.remark).str("status", b.status);
  o.optStr("cancelBy", b.cancelBy).str("cancelReason", b.cancelReason);
  o.boolean("checkedIn", b.checkedInAt.has_value()).num("checkedInAt", b.checkedInAt);
  o.boolean("vaccinated", b.vaccinatedAt.has_value()).num("vaccinatedAt", b.vaccinatedAt);
  o.str("lotNo", b.lotNo).str("vaccinator", b.vaccinator).str("proxyName", b.proxyName);
  o.boolean("canCancel", b.active() && !b.checkedInAt && !b.vaccinatedAt);
  o.num("createdAt", b.createdAt);
  return o.take();
}

json publicJson(const Booking& b, int64_t now) { return json::parse(publicBody(b, now)); }

// ------------------------------------------------------------------ citizen

bool personHasDose(soci::session& sql, const std::string& hash) {
  for (const auto& b : repo::bookingsOfPerson(sql, hash))
    if (b.vaccinatedAt) return true;
  return false;
}

namespace {
std::vector<rules::Dose> history(const std::vector<Booking>& all, int64_t vaccineId) {
  std::vector<rules::Dose> out;
  for (const auto& b : all)
    if (b.vaccineId == vaccineId && b.active())
      out.push_back({b.doseNo, b.vaccinatedAt, true, b.code, b.day});
  return out;
}
}  // namespace

json eligibilityJson(soci::session& sql, AppContext& app, const Person& person) {
  Settings st = loadSettings(sql);
  std::string today = rules::localDay(Clock::nowMs());
  auto all = repo::bookingsOfPerson(sql, personKey(app, person.idNumber));
  json vaccines = json::array();
  for (const auto& v : repo::vaccines(sql, true)) {
    auto h = history(all, v.id);
    auto e = rules::eligibility(v, h, ageOf(person, today), st, today);
    json done = json::array(), active = json::array();
    for (const auto& d : h) {
      if (d.vaccinatedAt)
        done.push_back({{"doseNo", d.doseNo}});
      else
        active.push_back({{"doseNo", d.doseNo}, {"date", d.day}});
    }
    // Interval rules are judged against each slot's date when booking; today's judgement
    // only tells the citizen the earliest day.
    bool eligible = e.eligible || e.reason == "interval_not_met";
    vaccines.push_back({{"vaccineId", v.id},
                        {"vaccineName", v.name},
                        {"vaccineNameEn", v.nameEn},
                        {"doses", v.doses},
                        {"done", done},
                        {"active", active},
                        {"nextDose", e.nextDose},
                        {"eligible", eligible},
                        {"reason", e.reason.empty() ? json() : json(e.reason)},
                        {"earliestDate", e.earliestDay ? json(*e.earliestDay) : json()},
                        {"dueDate", e.dueDay ? json(*e.dueDay) : json()}});
  }
  return {{"age", ageOf(person, today)},
          {"minAge", st.minAge},
          {"maxAge", st.maxAge},
          {"vaccines", vaccines}};
}

std::vector<Booking> lookup(soci::session& sql, AppContext& app,
                            const std::optional<std::string>& code, const std::string& idNumber,
                            const std::optional<std::string>& phone) {
  std::string hash = personKey(app, upperTrim(idNumber));
  if (code) {
    personBooking(sql, app, *code, idNumber);
    return repo::bookingsOfPerson(sql, hash);
  }
  auto all = repo::bookingsOfPerson(sql, hash);
  std::string ph = personPhoneKey(app, phone.value_or(""));
  bool match =
      std::any_of(all.begin(), all.end(), [&](const Booking& b) { return b.phoneHash == ph; });
  if (!match) throw Problem(404, "not_found", "no booking matches this ID number and phone");
  return all;
}

Booking citizenCancel(soci::session& sql, AppContext& app, const Actor& a, const std::string& code,
                      const std::string& idNumber) {
  Booking b = personBooking(sql, app, code, idNumber);
  if (!repo::cancel(sql, b.id, "citizen", "本人取消", false, Clock::nowMs()))
    throw Problem::conflict("not_cancellable",
                            "only a booking not yet checked in or vaccinated can be cancelled");
  afterCancel(sql, b, false);
  Booking after = reload(sql, b.id);
  recordChange(sql, a, "cancel", b, after, "本人取消预约");
  return after;
}

Booking citizenProfile(soci::session& sql, AppContext& app, const Actor& a, const std::string& code,
                       const std::string& idNumber, int64_t gridId, const std::string& phone) {
  Booking b = personBooking(sql, app, code, idNumber);
  if (personHasDose(sql, b.idHash))
    throw Problem::conflict("first_dose_given",
                            "details can no longer be changed once the first dose is given");
  if (!b.active()) throw Problem::conflict("not_active", "this booking is no longer active");
  auto type = idnum::docTypeFromString(b.idType).value_or(idnum::DocType::Other);
  if (!validPhone(type, phone))
    throw Problem::invalidField("phone", "invalid_phone", "give a valid mobile number");
  Booking before = b;
  moveGrid(sql, b, requireGrid(sql, gridId, districtPathOf(sql, b)));
  setPhone(b, app, phone);
  b.updatedAt = Clock::nowMs();
  repo::updatePerson(sql, b);
  Booking after = reload(sql, b.id);
  recordChange(sql, a, "update", before, after, "本人修改资料");
  return after;
}

// ------------------------------------------------------------------ records (admin)

Booking bookingInScope(soci::session& sql, const Principal& p, int64_t id) {
  auto b = repo::booking(sql, id);
  if (!b || !p.inScope(b->regionPath)) throw Problem::notFound("booking");
  return *b;
}

Booking adminUpdate(soci::session& sql, AppContext& app, const Principal& p, const Actor& a,
                    int64_t id, const PersonEdit& e) {
  Booking b = bookingInScope(sql, p, id);
  if (p.regionLevel > region::kDistrict && personHasDose(sql, b.idHash))
    throw Problem::conflict("first_dose_given",
                            "the first dose is given: only a district-level account may edit");
  auto type = idnum::docTypeFromString(b.idType).value_or(idnum::DocType::Other);
  if (e.phone && !validPhone(type, *e.phone))
    throw Problem::invalidField("phone", "invalid_phone", "give a valid mobile number");
  Booking before = b;
  moveGrid(sql, b, requireGrid(sql, e.gridId, p.regionPath));
  b.name = e.name;
  if (e.phone) setPhone(b, app, *e.phone);
  b.updatedAt = Clock::nowMs();
  repo::updatePerson(sql, b);
  Booking after = reload(sql, id);
  recordChange(sql, a, "update", before, after, "修改预约资料");
  return after;
}

Booking adminChangeGrid(soci::session& sql, const Principal& p, const Actor& a, int64_t id,
                        int64_t gridId) {
  Booking b = bookingInScope(sql, p, id);
  Booking before = b;
  moveGrid(sql, b, requireGrid(sql, gridId, p.regionPath));
  b.updatedAt = Clock::nowMs();
  repo::updatePerson(sql, b);
  Booking after = reload(sql, id);
  recordChange(sql, a, "grid", before, after,
               "修改网格 " + before.gridName + " → " + after.gridName);
  return after;
}

Booking adminCancel(soci::session& sql, AppContext& app, const Principal& p, const Actor& a,
                    int64_t id, const std::string& reason) {
  Booking b = bookingInScope(sql, p, id);
  std::string why = reason.empty() ? "管理员取消" : reason;
  if (!repo::cancel(sql, id, "admin", why, false, Clock::nowMs()))
    throw Problem::conflict("not_cancellable",
                            "only a booking not yet checked in or vaccinated can be cancelled");
  afterCancel(sql, b, false);
  Booking after = reload(sql, id);
  notifyBooking(sql, app, after, "vax_cancelled", {{"reason", why}});
  recordChange(sql, a, "cancel", b, after, "取消预约：" + why);
  return after;
}

json reveal(soci::session& sql, AppContext& app, const Principal& p, const Actor& a, int64_t id) {
  Booking b = bookingInScope(sql, p, id);
  audit::record(
      sql, a,
      {"reveal", "vax_booking", id, b.regionPath, "查看身份证号和手机号", nullptr, nullptr});
  return {{"idNumber", app.vault.open(b.idEnc)},
          {"phone", b.phoneEnc.empty() ? "" : app.vault.open(b.phoneEnc)}};
}

// ------------------------------------------------------------------ site work

namespace {
void requireWindow(const Booking& b, int64_t now) {
  if (!b.slotId || !rules::admissible(now, b.startsAt, b.endsAt))
    throw Problem::conflict("not_admissible", "admission is from 2 hours before to 2 hours after " +
                                                  b.day + " " + rules::hm(b.startMin) + "-" +
                                                  rules::hm(b.endMin));
}
}  // namespace

Booking checkIn(soci::session& sql, const Actor& a, const Booking& b, bool enforceWindow) {
  int64_t now = Clock::nowMs();
  if (!b.active()) throw Problem::conflict("not_active", "this booking was cancelled");
  if (b.checkedInAt || b.vaccinatedAt)
    throw Problem::conflict("already_checked_in", "this booking is already checked in");
  if (enforceWindow) requireWindow(b, now);
  if (!repo::checkIn(sql, b.id, now))
    throw Problem::conflict("not_active", "this booking changed meanwhile");
  Booking after = reload(sql, b.id);
  recordChange(sql, a, "checkin", b, after, "入口登记");
  return after;
}

Booking vaccinate(soci::session& sql, const Actor& a, const Booking& b, const Vaccination& v,
                  bool enforceWindow) {
  int64_t now = Clock::nowMs();
  if (!b.active()) throw Problem::conflict("not_active", "this booking was cancelled");
  if (b.vaccinatedAt) throw Problem::conflict("already_vaccinated", "already marked vaccinated");
  if (enforceWindow) requireWindow(b, now);
  int64_t at = v.at.value_or(now);
  if (at > now + rules::kMinute || at < now - 7 * rules::kDay)
    throw Problem::invalidField("vaccinatedAt", "out_of_range",
                                "the time must lie within the last 7 days");
  if (!repo::vaccinate(sql, b.id, at, v.lotNo, v.vaccinator, now))
    throw Problem::conflict("not_active", "this booking changed meanwhile");
  repo::bumpGrid(sql, b.gridId, b.vaccineId, b.doseNo, 0, 1);
  repo::bumpDay(sql, b.streetId, rules::localDay(at), 0, 1, 0);
  if (b.slotId) repo::bumpSlotVaccinated(sql, *b.slotId, 1);
  Booking after = reload(sql, b.id);
  recordChange(sql, a, "vaccinate", b, after, "接种完成 批号 " + v.lotNo);
  return after;
}

Booking notVaccinated(soci::session& sql, const Actor& a, const Booking& b,
                      const std::string& reason, const std::string& note) {
  if (!b.active() || b.vaccinatedAt)
    throw Problem::conflict("not_active", "only an active booking not yet vaccinated");
  std::string why = note.empty() ? reason : reason + "：" + note;
  if (!repo::cancel(sql, b.id, "site", why, true, Clock::nowMs()))
    throw Problem::conflict("not_active", "this booking changed meanwhile");
  afterCancel(sql, b, false);
  Booking after = reload(sql, b.id);
  recordChange(sql, a, "not_vaccinated", b, after, "未接种：" + why);
  return after;
}

}  // namespace fy::vax
