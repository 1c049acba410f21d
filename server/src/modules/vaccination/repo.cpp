#include "modules/vaccination/repo.h"

#include <nlohmann/json.hpp>

#include "db/query.h"
#include "db/soci.h"

namespace fy::vax::repo {

namespace {

using db::i64;
using db::str;

long long run(soci::statement& st) {
  st.execute(true);
  return st.get_affected_rows();
}

std::optional<int64_t> optI64(const soci::row& r, size_t i) {
  if (db::isNull(r, i)) return std::nullopt;
  return i64(r, i);
}

std::vector<DoseRule> parseRules(const std::string& text) {
  std::vector<DoseRule> out;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_array()) return out;
  for (const auto& e : j) {
    DoseRule r;
    r.doseNo = e.value("doseNo", 0);
    r.minDays = e.value("minDays", 0);
    if (e.contains("maxDaysFromFirst") && e["maxDaysFromFirst"].is_number_integer())
      r.maxDaysFromFirst = e["maxDaysFromFirst"].get<int>();
    out.push_back(r);
  }
  return out;
}

std::string rulesText(const std::vector<DoseRule>& rules) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& r : rules) {
    nlohmann::json e = {{"doseNo", r.doseNo}, {"minDays", r.minDays}};
    e["maxDaysFromFirst"] = r.maxDaysFromFirst ? nlohmann::json(*r.maxDaysFromFirst) : nullptr;
    j.push_back(e);
  }
  return j.dump();
}

// ---- vaccines
const char* kVaccineCols =
    "id, code, name, name_en, manufacturer, doses, rules, enabled, sort_order, created_at, "
    "updated_at";

template <class R>
Vaccine vaccineRow(const R& r) {
  Vaccine v;
  v.id = i64(r, 0);
  v.code = str(r, 1);
  v.name = str(r, 2);
  v.nameEn = str(r, 3);
  v.manufacturer = str(r, 4);
  v.doses = static_cast<int>(i64(r, 5));
  v.rules = parseRules(str(r, 6));
  v.enabled = i64(r, 7) != 0;
  v.sortOrder = static_cast<int>(i64(r, 8));
  v.createdAt = i64(r, 9);
  v.updatedAt = i64(r, 10);
  return v;
}

// ---- sites
const char* kSiteFrom =
    "FROM vax_site s JOIN region_node st ON st.id = s.street_id "
    "LEFT JOIN region_node d ON d.id = st.parent_id";
const char* kSiteCols =
    "s.id, s.street_id, s.region_path, s.name, s.address, s.enabled, s.created_at, s.updated_at, "
    "st.name, d.name, (SELECT COUNT(*) FROM vax_staff f WHERE f.site_id = s.id AND f.enabled = 1)";

template <class R>
Site siteRow(const R& r) {
  Site s;
  s.id = i64(r, 0);
  s.streetId = i64(r, 1);
  s.regionPath = str(r, 2);
  s.name = str(r, 3);
  s.address = str(r, 4);
  s.enabled = i64(r, 5) != 0;
  s.createdAt = i64(r, 6);
  s.updatedAt = i64(r, 7);
  s.streetName = str(r, 8);
  s.districtName = str(r, 9);
  s.staffCount = i64(r, 10);
  return s;
}

// ---- staff
const char* kStaffFrom = "FROM vax_staff f JOIN vax_site s ON s.id = f.site_id";
const char* kStaffCols =
    "f.id, f.site_id, f.region_path, f.name, f.enabled, f.created_at, f.updated_at, s.name";

Staff staffRow(const soci::row& r) {
  Staff s;
  s.id = i64(r, 0);
  s.siteId = i64(r, 1);
  s.regionPath = str(r, 2);
  s.name = str(r, 3);
  s.enabled = i64(r, 4) != 0;
  s.createdAt = i64(r, 5);
  s.updatedAt = i64(r, 6);
  s.siteName = str(r, 7);
  return s;
}

// ---- slots
const char* kSlotFrom =
    "FROM vax_slot t JOIN vax_vaccine v ON v.id = t.vaccine_id JOIN vax_site s ON s.id = "
    "t.site_id JOIN region_node st ON st.id = t.street_id";
const char* kSlotCols =
    "t.id, t.type, t.vaccine_id, t.site_id, t.street_id, t.region_path, t.day, t.start_min, "
    "t.end_min, t.starts_at, t.ends_at, t.quota, t.booked, t.vaccinated, t.locked, t.remark, "
    "t.created_at, t.updated_at, v.name, v.name_en, v.doses, s.name, s.address, st.name, "
    "t.captcha";

template <class R>
Slot slotRow(const R& r) {
  Slot s;
  s.id = i64(r, 0);
  s.type = str(r, 1);
  s.vaccineId = i64(r, 2);
  s.siteId = i64(r, 3);
  s.streetId = i64(r, 4);
  s.regionPath = str(r, 5);
  s.day = str(r, 6);
  s.startMin = static_cast<int>(i64(r, 7));
  s.endMin = static_cast<int>(i64(r, 8));
  s.startsAt = i64(r, 9);
  s.endsAt = i64(r, 10);
  s.quota = static_cast<int>(i64(r, 11));
  s.booked = static_cast<int>(i64(r, 12));
  s.vaccinated = static_cast<int>(i64(r, 13));
  s.locked = i64(r, 14) != 0;
  s.remark = str(r, 15);
  s.createdAt = i64(r, 16);
  s.updatedAt = i64(r, 17);
  s.vaccineName = str(r, 18);
  s.vaccineNameEn = str(r, 19);
  s.vaccineDoses = static_cast<int>(i64(r, 20));
  s.siteName = str(r, 21);
  s.captcha = i64(r, 24) != 0;
  s.siteAddress = str(r, 22);
  s.streetName = str(r, 23);
  return s;
}

// ---- bookings
const char* kBookingFrom =
    "FROM vax_booking b JOIN vax_vaccine v ON v.id = b.vaccine_id LEFT JOIN vax_site s ON s.id = "
    "b.site_id JOIN region_node st ON st.id = b.street_id JOIN region_node g ON g.id = b.grid_id "
    "LEFT JOIN vax_slot sl ON sl.id = b.slot_id";
const char* kBookingCols =
    "b.id, b.code, b.type, b.slot_id, b.site_id, b.vaccine_id, b.dose_no, b.street_id, "
    "b.grid_id, b.region_path, b.day, b.start_min, b.end_min, b.starts_at, b.ends_at, b.name, "
    "b.id_type, b.id_enc, b.id_hash, b.id_tail, b.id_mask, b.birth_date, b.sex, b.phone_enc, "
    "b.phone_hash, b.phone_mask, b.address_enc, b.nationality, b.proxy_name, b.proxy_enc, "
    "b.status, b.cancel_by, b.cancel_reason, b.checked_in_at, b.vaccinated_at, b.lot_no, "
    "b.vaccinator, b.release_at, b.remind_at, b.source, b.idem_key, b.created_at, b.updated_at, "
    "v.name, v.name_en, v.doses, s.name, s.address, st.name, g.name, sl.remark";

Booking bookingRow(const soci::row& r) {
  Booking b;
  size_t i = 0;
  b.id = i64(r, i++);
  b.code = str(r, i++);
  b.type = str(r, i++);
  b.slotId = optI64(r, i++);
  b.siteId = optI64(r, i++);
  b.vaccineId = i64(r, i++);
  b.doseNo = static_cast<int>(i64(r, i++));
  b.streetId = i64(r, i++);
  b.gridId = i64(r, i++);
  b.regionPath = str(r, i++);
  b.day = str(r, i++);
  b.startMin = static_cast<int>(i64(r, i++));
  b.endMin = static_cast<int>(i64(r, i++));
  b.startsAt = i64(r, i++);
  b.endsAt = i64(r, i++);
  b.name = str(r, i++);
  b.idType = str(r, i++);
  b.idEnc = str(r, i++);
  b.idHash = str(r, i++);
  b.idTail = str(r, i++);
  b.idMask = str(r, i++);
  b.birthDate = str(r, i++);
  b.sex = str(r, i++);
  b.phoneEnc = str(r, i++);
  b.phoneHash = str(r, i++);
  b.phoneMask = str(r, i++);
  b.addressEnc = str(r, i++);
  b.nationality = str(r, i++);
  b.proxyName = str(r, i++);
  b.proxyEnc = str(r, i++);
  b.status = str(r, i++);
  if (!db::isNull(r, i)) b.cancelBy = str(r, i);
  ++i;
  b.cancelReason = str(r, i++);
  b.checkedInAt = optI64(r, i++);
  b.vaccinatedAt = optI64(r, i++);
  b.lotNo = str(r, i++);
  b.vaccinator = str(r, i++);
  b.releaseAt = optI64(r, i++);
  b.remindAt = optI64(r, i++);
  b.source = str(r, i++);
  if (!db::isNull(r, i)) b.idemKey = str(r, i);
  ++i;
  b.createdAt = i64(r, i++);
  b.updatedAt = i64(r, i++);
  b.vaccineName = str(r, i++);
  b.vaccineNameEn = str(r, i++);
  b.vaccineDoses = static_cast<int>(i64(r, i++));
  b.siteName = str(r, i++);
  b.siteAddress = str(r, i++);
  b.streetName = str(r, i++);
  b.gridName = str(r, i++);
  b.remark = str(r, i++);
  return b;
}

std::optional<Booking> oneBooking(soci::session& sql, const std::string& where,
                                  const std::string& v) {
  db::Query q{std::string(kBookingFrom)};
  q.where(where).bind("v", v);
  for (const auto& r : q.select(sql, kBookingCols, "", 0, 1)) return bookingRow(r);
  return std::nullopt;
}

void scope(db::Query& q, const std::string& col, const std::string& path) {
  q.where(col + " >= :sp AND " + col + " < :spe").bind("sp", path).bind("spe", scopeEnd(path));
}

// A keyword matched on the search terms, and on the row itself for bookings still queued for
// their terms (few, and none once the crowd has passed).
std::string termOrQueued(const std::string& termCond, const std::string& rowCond) {
  // "x.id IN" walks the queue and looks each booking up; SQLite joined the other way round,
  // scanning every booking.
  return "b.id IN (SELECT booking_id FROM vax_booking_term WHERE " + termCond +
         " UNION ALL SELECT x.id FROM vax_booking x WHERE x.id IN (SELECT booking_id FROM "
         "vax_booking_unsearched) AND " +
         rowCond + ")";
}

// forPage: the scope is written so that no index serves it, which lets SQLite walk bookings
// newest-first and stop after one page instead of sorting the whole scope; counting keeps
// the index.
void applyBookingFilter(db::Query& q, const BookingFilter& f, bool forPage) {
  scope(q, forPage ? "(b.region_path || '')" : "b.region_path", f.path);
  if (f.name)
    q.where(termOrQueued("term = :nt", "x.name = :name"))
        .bind("nt", "n" + *f.name)
        .bind("name", *f.name);
  if (f.code) q.where("b.code = :code").bind("code", *f.code);
  if (f.idHash) q.where("b.id_hash = :idh").bind("idh", *f.idHash);
  if (f.idTailRev)
    q.where(termOrQueued("term >= :tt AND term < :tte", "x.id_tail >= :tl AND x.id_tail < :tle"))
        .bind("tt", "t" + *f.idTailRev)
        .bind("tte", "t" + *f.idTailRev + "\x7f")
        .bind("tl", *f.idTailRev)
        .bind("tle", *f.idTailRev + "\x7f");
  if (f.phoneHash)
    q.where(termOrQueued("term = :pt", "x.phone_hash = :ph"))
        .bind("pt", "p" + *f.phoneHash)
        .bind("ph", *f.phoneHash);
  if (f.type) q.where("b.type = :type").bind("type", *f.type);
  if (f.status) q.where("b.status = :status").bind("status", *f.status);
  // "+ 0" on the page query keeps the vaccine index for counting only (see forPage).
  if (f.vaccineId)
    q.where(forPage ? "b.vaccine_id + 0 = :vid" : "b.vaccine_id = :vid").bind("vid", *f.vaccineId);
  if (f.slotId) q.where("b.slot_id = :slid").bind("slid", *f.slotId);
  if (f.siteId) q.where("b.site_id = :siid").bind("siid", *f.siteId);
  if (f.doseNo)
    q.where(forPage ? "b.dose_no + 0 = :dose" : "b.dose_no = :dose")
        .bind("dose", static_cast<int64_t>(*f.doseNo));
  if (f.checkedIn)
    q.where(*f.checkedIn ? "b.checked_in_at IS NOT NULL" : "b.checked_in_at IS NULL");
  if (f.vaccinated)
    q.where(*f.vaccinated ? "b.vaccinated_at IS NOT NULL" : "b.vaccinated_at IS NULL");
  if (f.from) q.where("b.created_at >= :from").bind("from", *f.from);
  if (f.to) q.where("b.created_at <= :to").bind("to", *f.to);
}

}  // namespace

std::string scopeEnd(const std::string& path) {
  std::string end = path;
  if (!end.empty()) end.back() = static_cast<char>(end.back() + 1);
  return end;
}

// ---------------------------------------------------------------- vaccines

std::vector<Vaccine> vaccines(soci::session& sql, bool enabledOnly) {
  std::string q = std::string("SELECT ") + kVaccineCols + " FROM vax_vaccine" +
                  (enabledOnly ? " WHERE enabled = 1" : "") + " ORDER BY sort_order, id";
  soci::rowset<soci::row> rs = sql.prepare << q;
  std::vector<Vaccine> out;
  for (const auto& r : rs) out.push_back(vaccineRow(r));
  return out;
}

std::optional<Vaccine> vaccine(soci::session& sql, int64_t id) {
  db::Query q("FROM vax_vaccine");
  q.where("id = :id").bind("id", id);
  db::Row r;
  if (!q.first(sql, kVaccineCols, r)) return std::nullopt;
  return vaccineRow(r);
}

bool vaccineTaken(soci::session& sql, const std::string& code, const std::string& name,
                  int64_t exceptId) {
  long long ex = exceptId;
  int n = 0;
  sql << "SELECT COUNT(*) FROM vax_vaccine WHERE (code = :c OR name = :n) AND id <> :e",
      soci::use(code), soci::use(name), soci::use(ex), soci::into(n);
  return n > 0;
}

int64_t insertVaccine(soci::session& sql, const Vaccine& v) {
  long long id = 0, t = v.createdAt;
  int doses = v.doses, en = v.enabled ? 1 : 0, sort = v.sortOrder;
  std::string rules = rulesText(v.rules);
  sql << "INSERT INTO vax_vaccine (code, name, name_en, manufacturer, doses, rules, enabled, "
         "sort_order, created_at, updated_at) VALUES (:c, :n, :ne, :m, :d, :r, :e, :s, :t, :t2) "
         "RETURNING id",
      soci::use(v.code), soci::use(v.name), soci::use(v.nameEn), soci::use(v.manufacturer),
      soci::use(doses), soci::use(rules), soci::use(en), soci::use(sort), soci::use(t),
      soci::use(t), soci::into(id);
  return id;
}

void updateVaccine(soci::session& sql, const Vaccine& v) {
  long long id = v.id, t = v.updatedAt;
  int doses = v.doses, en = v.enabled ? 1 : 0, sort = v.sortOrder;
  std::string rules = rulesText(v.rules);
  sql << "UPDATE vax_vaccine SET code = :c, name = :n, name_en = :ne, manufacturer = :m, doses = "
         ":d, rules = :r, enabled = :e, sort_order = :s, updated_at = :t WHERE id = :id",
      soci::use(v.code), soci::use(v.name), soci::use(v.nameEn), soci::use(v.manufacturer),
      soci::use(doses), soci::use(rules), soci::use(en), soci::use(sort), soci::use(t),
      soci::use(id);
}

// ---------------------------------------------------------------- sites

std::pair<std::vector<Site>, long long> sites(soci::session& sql, const SiteFilter& f) {
  db::Query q(kSiteFrom);
  scope(q, "s.region_path", f.path);
  if (f.keyword) q.where("s.name LIKE :kw").bind("kw", "%" + *f.keyword + "%");
  if (f.enabled) q.where("s.enabled = :en").bind("en", int64_t{*f.enabled ? 1 : 0});
  long long total = q.count(sql);
  std::vector<Site> out;
  for (const auto& r : q.select(sql, kSiteCols, "ORDER BY s.region_path, s.id", f.offset, f.limit))
    out.push_back(siteRow(r));
  return {out, total};
}

std::optional<Site> site(soci::session& sql, int64_t id) {
  db::Query q(kSiteFrom);
  q.where("s.id = :id").bind("id", id);
  db::Row r;
  if (!q.first(sql, kSiteCols, r)) return std::nullopt;
  return siteRow(r);
}

bool siteNameTaken(soci::session& sql, int64_t streetId, const std::string& name,
                   int64_t exceptId) {
  long long st = streetId, ex = exceptId;
  int n = 0;
  sql << "SELECT COUNT(*) FROM vax_site WHERE street_id = :s AND name = :n AND id <> :e",
      soci::use(st), soci::use(name), soci::use(ex), soci::into(n);
  return n > 0;
}

int64_t insertSite(soci::session& sql, const Site& s) {
  long long id = 0, st = s.streetId, t = s.createdAt;
  int en = s.enabled ? 1 : 0;
  sql << "INSERT INTO vax_site (street_id, region_path, name, address, enabled, created_at, "
         "updated_at) VALUES (:s, :p, :n, :a, :e, :t, :t2) RETURNING id",
      soci::use(st), soci::use(s.regionPath), soci::use(s.name), soci::use(s.address),
      soci::use(en), soci::use(t), soci::use(t), soci::into(id);
  return id;
}

void updateSite(soci::session& sql, const Site& s) {
  long long id = s.id, st = s.streetId, t = s.updatedAt;
  int en = s.enabled ? 1 : 0;
  sql << "UPDATE vax_site SET street_id = :s, region_path = :p, name = :n, address = :a, enabled = "
         ":e, updated_at = :t WHERE id = :id",
      soci::use(st), soci::use(s.regionPath), soci::use(s.name), soci::use(s.address),
      soci::use(en), soci::use(t), soci::use(id);
  // Staff follow their site's region, so scope checks stay right after a site moves street.
  sql << "UPDATE vax_staff SET region_path = :p WHERE site_id = :id", soci::use(s.regionPath),
      soci::use(id);
}

// ---------------------------------------------------------------- staff

std::pair<std::vector<Staff>, long long> staff(soci::session& sql, const StaffFilter& f) {
  db::Query q(kStaffFrom);
  scope(q, "f.region_path", f.path);
  if (f.siteId) q.where("f.site_id = :sid").bind("sid", *f.siteId);
  long long total = q.count(sql);
  std::vector<Staff> out;
  for (const auto& r : q.select(sql, kStaffCols, "ORDER BY f.site_id, f.id", f.offset, f.limit))
    out.push_back(staffRow(r));
  return {out, total};
}

std::optional<Staff> staffById(soci::session& sql, int64_t id) {
  db::Query q(kStaffFrom);
  q.where("f.id = :id").bind("id", id);
  for (const auto& r : q.select(sql, kStaffCols, "", 0, 1)) return staffRow(r);
  return std::nullopt;
}

std::optional<Staff> staffByPasscode(soci::session& sql, const std::string& passcodeHash) {
  db::Query q(kStaffFrom);
  q.where("f.passcode_hash = :h").bind("h", passcodeHash);
  for (const auto& r : q.select(sql, kStaffCols, "", 0, 1)) return staffRow(r);
  return std::nullopt;
}

int64_t insertStaff(soci::session& sql, const Staff& s, const std::string& passcodeHash) {
  long long id = 0, site = s.siteId, t = s.createdAt;
  sql << "INSERT INTO vax_staff (site_id, region_path, name, passcode_hash, enabled, created_at, "
         "updated_at) VALUES (:s, :p, :n, :h, 1, :t, :t2) RETURNING id",
      soci::use(site), soci::use(s.regionPath), soci::use(s.name), soci::use(passcodeHash),
      soci::use(t), soci::use(t), soci::into(id);
  return id;
}

void setStaffEnabled(soci::session& sql, int64_t id, bool on, int64_t now) {
  long long i = id, t = now;
  int en = on ? 1 : 0;
  sql << "UPDATE vax_staff SET enabled = :e, updated_at = :t WHERE id = :id", soci::use(en),
      soci::use(t), soci::use(i);
}

void setStaffPasscode(soci::session& sql, int64_t id, const std::string& hash, int64_t now) {
  long long i = id, t = now;
  sql << "UPDATE vax_staff SET passcode_hash = :h, updated_at = :t WHERE id = :id", soci::use(hash),
      soci::use(t), soci::use(i);
}

void insertStaffSession(soci::session& sql, int64_t staffId, const std::string& tokenHash,
                        const std::string& csrf, int64_t now, int64_t expires) {
  long long s = staffId, t = now, e = expires;
  sql << "INSERT INTO vax_staff_session (token_hash, staff_id, csrf_token, created_at, "
         "expires_at) VALUES (:h, :s, :c, :t, :e)",
      soci::use(tokenHash), soci::use(s), soci::use(csrf), soci::use(t), soci::use(e);
}

std::optional<StaffSession> staffSession(soci::session& sql, const std::string& tokenHash) {
  soci::rowset<soci::row> rs =
      (sql.prepare << "SELECT id, staff_id, expires_at, csrf_token FROM vax_staff_session WHERE "
                      "token_hash = :h",
       soci::use(tokenHash));
  for (const auto& r : rs) return StaffSession{i64(r, 0), i64(r, 1), i64(r, 2), str(r, 3)};
  return std::nullopt;
}

void deleteStaffSession(soci::session& sql, int64_t id) {
  long long i = id;
  sql << "DELETE FROM vax_staff_session WHERE id = :id", soci::use(i);
}

void deleteStaffSessionsOf(soci::session& sql, int64_t staffId) {
  long long i = staffId;
  sql << "DELETE FROM vax_staff_session WHERE staff_id = :id", soci::use(i);
}

// ---------------------------------------------------------------- links

std::optional<std::string> groupToken(soci::session& sql, int64_t streetId) {
  long long s = streetId;
  soci::rowset<soci::row> rs =
      (sql.prepare << "SELECT token FROM vax_group_link WHERE street_id = :s", soci::use(s));
  for (const auto& r : rs) return str(r, 0);
  return std::nullopt;
}

std::optional<int64_t> streetOfGroupToken(soci::session& sql, const std::string& token) {
  long long street = 0;
  sql << "SELECT street_id FROM vax_group_link WHERE token = :t", soci::use(token),
      soci::into(street);
  if (!sql.got_data()) return std::nullopt;
  return street;
}

void setGroupToken(soci::session& sql, int64_t streetId, const std::string& token, int64_t now) {
  long long s = streetId, t = now;
  sql << "INSERT INTO vax_group_link (street_id, token, created_at) VALUES (:s, :tok, :t) "
         "ON CONFLICT (street_id) DO UPDATE SET token = excluded.token, created_at = "
         "excluded.created_at",
      soci::use(s), soci::use(token), soci::use(t);
}

std::map<int64_t, std::string> groupTokens(soci::session& sql) {
  soci::rowset<soci::row> rs = sql.prepare << "SELECT street_id, token FROM vax_group_link";
  std::map<int64_t, std::string> out;
  for (const auto& r : rs) out[i64(r, 0)] = str(r, 1);
  return out;
}

// ---------------------------------------------------------------- slots

std::pair<std::vector<Slot>, long long> slots(soci::session& sql, const SlotFilter& f) {
  db::Query q(kSlotFrom);
  scope(q, "t.region_path", f.path);
  if (f.type) q.where("t.type = :type").bind("type", *f.type);
  if (f.day) q.where("t.day = :day").bind("day", *f.day);
  if (f.vaccineId) q.where("t.vaccine_id = :vid").bind("vid", *f.vaccineId);
  if (f.siteId) q.where("t.site_id = :sid").bind("sid", *f.siteId);
  if (f.status == "locked") q.where("t.locked = 1");
  if (f.status == "enabled") q.where("t.locked = 0");
  if (f.status == "online")
    q.where("t.locked = 0 AND t.ends_at > :now AND t.booked < t.quota").bind("now", f.now);
  if (f.status == "expired") q.where("t.ends_at <= :now").bind("now", f.now);
  long long total = q.count(sql);
  std::vector<Slot> out;
  for (const auto& r :
       q.select(sql, kSlotCols, "ORDER BY t.day DESC, t.start_min, t.id", f.offset, f.limit))
    out.push_back(slotRow(r));
  return {out, total};
}

std::optional<Slot> slot(soci::session& sql, int64_t id) {
  db::Query q(kSlotFrom);
  q.where("t.id = :id").bind("id", id);
  db::Row r;
  if (!q.first(sql, kSlotCols, r)) return std::nullopt;
  return slotRow(r);
}

std::vector<Slot> openSlots(soci::session& sql, const std::string& path, const std::string& type,
                            int64_t now) {
  db::Query q(kSlotFrom);
  scope(q, "t.region_path", path);
  q.where(
       "t.type = :type AND t.locked = 0 AND t.ends_at > :now AND s.enabled = 1 AND v.enabled "
       "= 1")
      .bind("type", type)
      .bind("now", now);
  std::vector<Slot> out;
  for (const auto& r : q.select(sql, kSlotCols, "ORDER BY t.day, t.start_min, t.id", 0, 200))
    out.push_back(slotRow(r));
  return out;
}

int64_t insertSlot(soci::session& sql, const Slot& s) {
  long long id = 0, vid = s.vaccineId, site = s.siteId, st = s.streetId, sa = s.startsAt,
            ea = s.endsAt, t = s.createdAt;
  int sm = s.startMin, em = s.endMin, quota = s.quota, locked = s.locked ? 1 : 0;
  int cap = s.captcha ? 1 : 0;
  sql << "INSERT INTO vax_slot (type, vaccine_id, site_id, street_id, region_path, day, start_min, "
         "end_min, starts_at, ends_at, quota, locked, remark, captcha, created_at, updated_at) "
         "VALUES (:ty, :v, :si, :st, :p, :d, :sm, :em, :sa, :ea, :q, :l, :r, :c, :t, :t2) "
         "RETURNING id",
      soci::use(s.type), soci::use(vid), soci::use(site), soci::use(st), soci::use(s.regionPath),
      soci::use(s.day), soci::use(sm), soci::use(em), soci::use(sa), soci::use(ea),
      soci::use(quota), soci::use(locked), soci::use(s.remark), soci::use(cap), soci::use(t),
      soci::use(t), soci::into(id);
  return id;
}

void updateSlot(soci::session& sql, const Slot& s) {
  long long id = s.id, vid = s.vaccineId, site = s.siteId, st = s.streetId, sa = s.startsAt,
            ea = s.endsAt, t = s.updatedAt;
  int sm = s.startMin, em = s.endMin, quota = s.quota, locked = s.locked ? 1 : 0;
  int cap = s.captcha ? 1 : 0;
  sql << "UPDATE vax_slot SET type = :ty, vaccine_id = :v, site_id = :si, street_id = :st, "
         "region_path = :p, day = :d, start_min = :sm, end_min = :em, starts_at = :sa, ends_at = "
         ":ea, quota = :q, locked = :l, remark = :r, captcha = :c, updated_at = :t WHERE id = :id",
      soci::use(s.type), soci::use(vid), soci::use(site), soci::use(st), soci::use(s.regionPath),
      soci::use(s.day), soci::use(sm), soci::use(em), soci::use(sa), soci::use(ea),
      soci::use(quota), soci::use(locked), soci::use(s.remark), soci::use(cap), soci::use(t),
      soci::use(id);
}

void setSlotLocked(soci::session& sql, int64_t id, bool locked, int64_t now) {
  long long i = id, t = now;
  int l = locked ? 1 : 0;
  sql << "UPDATE vax_slot SET locked = :l, updated_at = :t WHERE id = :id", soci::use(l),
      soci::use(t), soci::use(i);
}

void addQuota(soci::session& sql, int64_t id, int add, int64_t now) {
  long long i = id, t = now;
  sql << "UPDATE vax_slot SET quota = quota + :a, updated_at = :t WHERE id = :id", soci::use(add),
      soci::use(t), soci::use(i);
}

bool takePlace(soci::session& sql, int64_t slotId, int64_t now) {
  long long i = slotId, t = now;
  soci::statement st =
      (sql.prepare << "UPDATE vax_slot SET booked = booked + 1 WHERE id = :id AND booked < quota "
                      "AND locked = 0 AND ends_at > :now",
       soci::use(i), soci::use(t));
  return run(st) == 1;
}

void givePlaceBack(soci::session& sql, int64_t slotId, int64_t now) {
  long long i = slotId, t = now;
  sql << "UPDATE vax_slot SET booked = booked - 1, updated_at = :t WHERE id = :id AND booked > 0",
      soci::use(t), soci::use(i);
}

void bumpSlotVaccinated(soci::session& sql, int64_t slotId, int delta) {
  long long i = slotId;
  sql << "UPDATE vax_slot SET vaccinated = vaccinated + :d WHERE id = :id", soci::use(delta),
      soci::use(i);
}

SlotTotals openTotals(soci::session& sql, const std::string& path, int64_t now) {
  std::string end = scopeEnd(path);
  long long t = now;
  SlotTotals out;
  soci::indicator ind = soci::i_ok;
  sql << "SELECT COUNT(*), SUM(quota - booked) FROM vax_slot WHERE region_path >= :p AND "
         "region_path < :pe AND locked = 0 AND ends_at > :now AND booked < quota",
      soci::use(path), soci::use(end), soci::use(t), soci::into(out.open),
      soci::into(out.remaining, ind);
  if (ind == soci::i_null) out.remaining = 0;
  return out;
}

// ---------------------------------------------------------------- bookings

int64_t insertBooking(soci::session& sql, const Booking& b, bool wantId) {
  long long id = 0, vid = b.vaccineId, st = b.streetId, grid = b.gridId, sa = b.startsAt,
            ea = b.endsAt, t = b.createdAt;
  long long slot = b.slotId.value_or(0), site = b.siteId.value_or(0);
  long long cin = b.checkedInAt.value_or(0), vat = b.vaccinatedAt.value_or(0);
  long long rel = b.releaseAt.value_or(0), rem = b.remindAt.value_or(0);
  int dose = b.doseNo, sm = b.startMin, em = b.endMin;
  std::string idem = b.idemKey.value_or("");
  soci::indicator slotI = b.slotId ? soci::i_ok : soci::i_null;
  soci::indicator siteI = b.siteId ? soci::i_ok : soci::i_null;
  soci::indicator cinI = b.checkedInAt ? soci::i_ok : soci::i_null;
  soci::indicator vatI = b.vaccinatedAt ? soci::i_ok : soci::i_null;
  soci::indicator relI = b.releaseAt ? soci::i_ok : soci::i_null;
  soci::indicator remI = b.remindAt ? soci::i_ok : soci::i_null;
  soci::indicator idemI = b.idemKey ? soci::i_ok : soci::i_null;
  sql << "INSERT INTO vax_booking (code, type, slot_id, vaccine_id, dose_no, site_id, street_id, "
         "grid_id, region_path, day, start_min, end_min, starts_at, ends_at, name, id_type, "
         "id_enc, "
         "id_hash, id_tail, id_mask, birth_date, sex, phone_enc, phone_hash, phone_mask, "
         "address_enc, nationality, proxy_name, proxy_enc, status, checked_in_at, vaccinated_at, "
         "lot_no, vaccinator, release_at, remind_at, source, idem_key, created_at, updated_at) "
         "VALUES (:code, :type, :slot, :vid, :dose, :site, :st, :grid, :path, :day, :sm, :em, :sa, "
         ":ea, :name, :idt, :ide, :idh, :idtl, :idm, :bd, :sex, :pe, :ph, :pm, :ae, :nat, :pn, "
         ":pxe, :status, :cin, :vat, :lot, :vac, :rel, :rem, :src, :idem, :t, :t2)",
      soci::use(b.code), soci::use(b.type), soci::use(slot, slotI), soci::use(vid), soci::use(dose),
      soci::use(site, siteI), soci::use(st), soci::use(grid), soci::use(b.regionPath),
      soci::use(b.day), soci::use(sm), soci::use(em), soci::use(sa), soci::use(ea),
      soci::use(b.name), soci::use(b.idType), soci::use(b.idEnc), soci::use(b.idHash),
      soci::use(b.idTail), soci::use(b.idMask), soci::use(b.birthDate), soci::use(b.sex),
      soci::use(b.phoneEnc), soci::use(b.phoneHash), soci::use(b.phoneMask),
      soci::use(b.addressEnc), soci::use(b.nationality), soci::use(b.proxyName),
      soci::use(b.proxyEnc), soci::use(b.status), soci::use(cin, cinI), soci::use(vat, vatI),
      soci::use(b.lotNo), soci::use(b.vaccinator), soci::use(rel, relI), soci::use(rem, remI),
      soci::use(b.source), soci::use(idem, idemI), soci::use(t), soci::use(t);
  writeTermsOfCode(sql, b.code);
  if (wantId) {
    // RETURNING in the same statement makes SQLite journal every page it touches twice;
    // bulk imports skip it.
    sql << "SELECT id FROM vax_booking WHERE code = :c", soci::use(b.code), soci::into(id);
  }
  return id;
}

std::optional<Booking> booking(soci::session& sql, int64_t id) {
  db::Query q(kBookingFrom);
  q.where("b.id = :id").bind("id", id);
  for (const auto& r : q.select(sql, kBookingCols, "", 0, 1)) return bookingRow(r);
  return std::nullopt;
}

std::optional<Booking> bookingByCode(soci::session& sql, const std::string& code) {
  return oneBooking(sql, "b.code = :v", code);
}

std::optional<Booking> bookingByIdem(soci::session& sql, const std::string& key) {
  return oneBooking(sql, "b.idem_key = :v", key);
}

std::vector<Booking> bookingsOfPerson(soci::session& sql, const std::string& idHash) {
  db::Query q(kBookingFrom);
  q.where("b.id_hash = :h").bind("h", idHash);
  std::vector<Booking> out;
  for (const auto& r : q.select(sql, kBookingCols, "ORDER BY b.id DESC", 0, 200))
    out.push_back(bookingRow(r));
  return out;
}

bool activeExists(soci::session& sql, const std::string& idHash, int64_t vaccineId, int doseNo) {
  long long v = vaccineId;
  int n = 0;
  sql << "SELECT COUNT(*) FROM vax_booking WHERE id_hash = :h AND vaccine_id = :v AND dose_no = :d "
         "AND status = 'booked'",
      soci::use(idHash), soci::use(v), soci::use(doseNo), soci::into(n);
  return n > 0;
}

std::pair<std::vector<Booking>, long long> bookings(soci::session& sql, const BookingFilter& f) {
  db::Query counter("FROM vax_booking b");
  applyBookingFilter(counter, f, false);
  long long total = counter.countUpTo(sql, kCountCap);
  db::Query q(kBookingFrom);
  applyBookingFilter(q, f, true);
  std::vector<Booking> out;
  for (const auto& r : q.select(sql, kBookingCols, "ORDER BY b.id DESC", f.offset, f.limit))
    out.push_back(bookingRow(r));
  return {out, total};
}

void eachBooking(soci::session& sql, const BookingFilter& f,
                 const std::function<void(const Booking&)>& fn) {
  // Keyset pages: one long cursor would pin a read snapshot and memory on both backends.
  int64_t after = 0;
  for (;;) {
    db::Query q(kBookingFrom);
    applyBookingFilter(q, f, false);
    q.where("b.id > :after").bind("after", after);
    int n = 0;
    for (const auto& r : q.select(sql, kBookingCols, "ORDER BY b.id", 0, 5000)) {
      Booking b = bookingRow(r);
      after = b.id;
      ++n;
      fn(b);
    }
    if (n < 5000) break;
  }
}

std::vector<Booking> siteBookings(soci::session& sql, int64_t siteId, const BookingFilter& m) {
  db::Query q(kBookingFrom);
  q.where("b.site_id = :site AND b.status = 'booked'").bind("site", siteId);
  if (m.code) q.where("b.code = :code").bind("code", *m.code);
  if (m.idHash) q.where("b.id_hash = :idh").bind("idh", *m.idHash);
  if (m.idTailRev)
    q.where("b.id_tail >= :tl AND b.id_tail < :tle")
        .bind("tl", *m.idTailRev)
        .bind("tle", *m.idTailRev + "\x7f");
  std::vector<Booking> out;
  for (const auto& r : q.select(sql, kBookingCols, "ORDER BY b.starts_at, b.id", 0, 50))
    out.push_back(bookingRow(r));
  return out;
}

bool cancel(soci::session& sql, int64_t id, const std::string& by, const std::string& reason,
            bool evenCheckedIn, int64_t now) {
  long long i = id, t = now;
  std::string q =
      "UPDATE vax_booking SET status = 'cancelled', cancel_by = :by, cancel_reason = :r, "
      "release_at = NULL, remind_at = NULL, updated_at = :t WHERE id = :id AND status = 'booked' "
      "AND vaccinated_at IS NULL";
  if (!evenCheckedIn) q += " AND checked_in_at IS NULL";
  soci::statement st =
      (sql.prepare << q, soci::use(by), soci::use(reason), soci::use(t), soci::use(i));
  return run(st) == 1;
}

bool checkIn(soci::session& sql, int64_t id, int64_t now) {
  long long i = id, t = now;
  soci::statement st =
      (sql.prepare << "UPDATE vax_booking SET checked_in_at = :t, release_at = NULL, updated_at = "
                      ":t2 WHERE id = :id AND status = 'booked' AND checked_in_at IS NULL AND "
                      "vaccinated_at IS NULL",
       soci::use(t), soci::use(t), soci::use(i));
  return run(st) == 1;
}

bool vaccinate(soci::session& sql, int64_t id, int64_t at, const std::string& lotNo,
               const std::string& vaccinator, int64_t now) {
  long long i = id, a = at, t = now;
  soci::statement st =
      (sql.prepare << "UPDATE vax_booking SET vaccinated_at = :a, checked_in_at = COALESCE("
                      "checked_in_at, :a2), lot_no = :l, vaccinator = :v, release_at = NULL, "
                      "remind_at = NULL, updated_at = :t WHERE id = :id AND status = 'booked' AND "
                      "vaccinated_at IS NULL",
       soci::use(a), soci::use(a), soci::use(lotNo), soci::use(vaccinator), soci::use(t),
       soci::use(i));
  return run(st) == 1;
}

void updatePerson(soci::session& sql, const Booking& b) {
  const bool termed = dropPersonTerms(sql, b.id);
  long long i = b.id, st = b.streetId, g = b.gridId, t = b.updatedAt;
  sql << "UPDATE vax_booking SET name = :n, phone_enc = :pe, phone_hash = :ph, phone_mask = :pm, "
         "street_id = :st, grid_id = :g, region_path = :p, updated_at = :t WHERE id = :id",
      soci::use(b.name), soci::use(b.phoneEnc), soci::use(b.phoneHash), soci::use(b.phoneMask),
      soci::use(st), soci::use(g), soci::use(b.regionPath), soci::use(t), soci::use(i);
  if (termed) writePersonTerms(sql, b.id);
}

bool clearRemind(soci::session& sql, int64_t id) {
  long long i = id;
  soci::statement st = (sql.prepare << "UPDATE vax_booking SET remind_at = NULL WHERE id = :id "
                                       "AND remind_at IS NOT NULL AND status = 'booked'",
                        soci::use(i));
  return run(st) == 1;
}

namespace {
std::vector<int64_t> dueIds(soci::session& sql, const std::string& col, int64_t now, int limit) {
  long long t = now;
  std::string q = "SELECT id FROM vax_booking WHERE " + col + " IS NOT NULL AND " + col +
                  " <= :t ORDER BY " + col + " LIMIT " + std::to_string(limit);
  soci::rowset<soci::row> rs = (sql.prepare << q, soci::use(t));
  std::vector<int64_t> out;
  for (const auto& r : rs) out.push_back(i64(r, 0));
  return out;
}
}  // namespace

std::vector<int64_t> dueReleases(soci::session& sql, int64_t now, int limit) {
  return dueIds(sql, "release_at", now, limit);
}

std::vector<int64_t> dueReminders(soci::session& sql, int64_t now, int limit) {
  return dueIds(sql, "remind_at", now, limit);
}

void setReleaseMinutes(soci::session& sql, const std::string& type, int minutes) {
  // Re-times bookings still waiting; the later of booking time and window start is kept.
  if (minutes <= 0) {
    sql << "UPDATE vax_booking SET release_at = NULL WHERE type = :t AND status = 'booked' AND "
           "checked_in_at IS NULL AND vaccinated_at IS NULL AND release_at IS NOT NULL",
        soci::use(type);
    return;
  }
  long long ms = static_cast<long long>(minutes) * 60000;
  sql << "UPDATE vax_booking SET release_at = (CASE WHEN created_at > starts_at THEN created_at "
         "ELSE starts_at END) + :ms WHERE type = :t AND status = 'booked' AND checked_in_at IS "
         "NULL AND vaccinated_at IS NULL AND slot_id IS NOT NULL",
      soci::use(ms), soci::use(type);
}

// ---------------------------------------------------------------- aggregates

void bumpGrid(soci::session& sql, int64_t gridId, int64_t vaccineId, int doseNo, int dBooked,
              int dVaccinated) {
  // Kept prepared: every booking batch runs it.
  db::Prepared(sql,
               "INSERT INTO vax_grid_stat (grid_id, vaccine_id, dose_no, booked, vaccinated) "
               "VALUES (:g, :v, :d, :b, :vac) ON CONFLICT (grid_id, vaccine_id, dose_no) DO "
               "UPDATE SET booked = vax_grid_stat.booked + excluded.booked, vaccinated = "
               "vax_grid_stat.vaccinated + excluded.vaccinated")
      .run({gridId, vaccineId, int64_t{doseNo}, int64_t{dBooked}, int64_t{dVaccinated}});
}

void bumpDay(soci::session& sql, int64_t streetId, const std::string& day, int dBooked,
             int dVaccinated, int dReleased) {
  // Kept prepared: every booking batch runs it.
  db::Prepared(sql,
               "INSERT INTO vax_day_stat (street_id, day, booked, vaccinated, released) VALUES "
               "(:s, :d, :b, :v, :r) ON CONFLICT (street_id, day) DO UPDATE SET booked = "
               "vax_day_stat.booked + excluded.booked, vaccinated = vax_day_stat.vaccinated + "
               "excluded.vaccinated, released = vax_day_stat.released + excluded.released")
      .run({streetId, std::string_view(day), int64_t{dBooked}, int64_t{dVaccinated},
            int64_t{dReleased}});
}

std::vector<GridStat> gridStats(soci::session& sql, const std::string& path) {
  std::string end = scopeEnd(path);
  soci::rowset<soci::row> rs =
      (sql.prepare << "SELECT gs.grid_id, gs.vaccine_id, gs.dose_no, gs.booked, gs.vaccinated "
                      "FROM vax_grid_stat gs JOIN region_node g ON g.id = gs.grid_id WHERE "
                      "g.path >= :p AND g.path < :pe",
       soci::use(path), soci::use(end));
  std::vector<GridStat> out;
  for (const auto& r : rs)
    out.push_back({i64(r, 0), i64(r, 1), static_cast<int>(i64(r, 2)), i64(r, 3), i64(r, 4)});
  return out;
}

std::vector<DayStat> dayStats(soci::session& sql, const std::string& path, const std::string& from,
                              const std::string& to) {
  std::string end = scopeEnd(path);
  soci::rowset<soci::row> rs =
      (sql.prepare << "SELECT ds.day, SUM(ds.booked), SUM(ds.vaccinated), SUM(ds.released) FROM "
                      "vax_day_stat ds JOIN region_node st ON st.id = ds.street_id WHERE st.path "
                      ">= :p AND st.path < :pe AND ds.day >= :f AND ds.day <= :t GROUP BY ds.day "
                      "ORDER BY ds.day",
       soci::use(path), soci::use(end), soci::use(from), soci::use(to));
  std::vector<DayStat> out;
  for (const auto& r : rs) out.push_back({str(r, 0), i64(r, 1), i64(r, 2), i64(r, 3)});
  return out;
}

// ---------------------------------------------------------------- region moves

void followMove(soci::session& sql, const std::string& oldPath, const std::string& newPath) {
  std::string end = scopeEnd(oldPath);
  int cut = static_cast<int>(oldPath.size()) + 1;
  for (const char* table : {"vax_site", "vax_staff", "vax_slot", "vax_booking"}) {
    std::string q = std::string("UPDATE ") + table +
                    " SET region_path = :np || substr(region_path, :cut) WHERE region_path >= :op "
                    "AND region_path < :ope";
    sql << q, soci::use(newPath), soci::use(cut), soci::use(oldPath), soci::use(end);
  }
  std::string nend = scopeEnd(newPath);
  sql << "UPDATE vax_booking SET street_id = (SELECT parent_id FROM region_node g WHERE g.id = "
         "vax_booking.grid_id) WHERE region_path >= :np AND region_path < :npe",
      soci::use(newPath), soci::use(nend);
}

// ---------------------------------------------------------------- settings

std::map<std::string, std::string> settings(soci::session& sql) {
  // Read by every booking batch: kept prepared.
  std::map<std::string, std::string> out;
  for (const auto& r : db::Prepared(sql, "SELECT key, value FROM vax_setting").run({}))
    out[str(r, 0)] = str(r, 1);
  return out;
}

void putSetting(soci::session& sql, const std::string& key, const std::string& value, int64_t now) {
  long long t = now;
  sql << "INSERT INTO vax_setting (key, value, updated_at) VALUES (:k, :v, :t) ON CONFLICT (key) "
         "DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
      soci::use(key), soci::use(value), soci::use(t);
}

}  // namespace fy::vax::repo
