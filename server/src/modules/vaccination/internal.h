#pragma once
// Shared inside the vaccination module only; other modules use service.h.
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/idnumber.h"
#include "common/principal.h"
#include "common/problem.h"
#include "modules/region/service.h"
#include "modules/vaccination/model.h"
#include "modules/vaccination/repo.h"

namespace soci {
class session;
}
namespace fy {
struct AppContext;
}

namespace fy::vax {

using json = nlohmann::json;

// ---- settings and catalogue (catalog.cpp)
Settings loadSettings(soci::session& sql);
Settings saveSettings(soci::session& sql, const Principal& p, const Actor& a, const Settings& s);
json toJson(const Settings& s);
json toJson(const Vaccine& v);
Vaccine requireVaccine(soci::session& sql, int64_t id);
Vaccine saveVaccine(soci::session& sql, const Principal& p, const Actor& a, Vaccine v);
Vaccine setVaccineEnabled(soci::session& sql, const Principal& p, const Actor& a, int64_t id,
                          bool on);

json toJson(const Site& s);
Site siteInScope(soci::session& sql, const Principal& p, int64_t id);
struct SiteInput {
  int64_t streetId = 0;
  std::string name, address;
  bool enabled = true;
};
Site saveSite(soci::session& sql, const Principal& p, const Actor& a, int64_t id,
              const SiteInput& in);  // id 0 = create
Site setSiteEnabled(soci::session& sql, const Principal& p, const Actor& a, int64_t id, bool on);

json toJson(const Staff& s);
struct IssuedStaff {
  Staff staff;
  std::string passcode;
};
IssuedStaff createStaff(soci::session& sql, const Principal& p, const Actor& a, int64_t siteId,
                        const std::string& name);
IssuedStaff resetPasscode(soci::session& sql, const Principal& p, const Actor& a, int64_t id);
Staff setStaffEnabled(soci::session& sql, const Principal& p, const Actor& a, int64_t id, bool on);
Staff staffInScope(soci::session& sql, const Principal& p, int64_t id);

// A public link: a district's or street's booking link, or a street's secret group link.
struct Link {
  std::string kind;  // district | street | group
  region::Node region;
  std::string districtName;
};
std::optional<Link> resolveLink(soci::session& sql, const std::string& token);
std::string linkUrl(const AppContext& app, const std::string& token);
std::string rotateGroupToken(soci::session& sql, const Principal& p, const Actor& a,
                             int64_t streetId);

// ---- slots (slots.cpp)
json toJson(const Slot& s, int64_t now);
Slot slotInScope(soci::session& sql, const Principal& p, int64_t id);
struct SlotInput {
  std::string type, day, remark;
  int64_t vaccineId = 0, siteId = 0;
  int startMin = 0, endMin = 0, quota = 0;
  bool enabled = true;
  bool captcha = false;
};
Slot saveSlot(soci::session& sql, const Principal& p, const Actor& a, int64_t id,
              const SlotInput& in);
Slot lockSlot(soci::session& sql, const Principal& p, const Actor& a, int64_t id, bool locked);
Slot addQuota(soci::session& sql, const Principal& p, const Actor& a, int64_t id, int add);

// ---- bookings (booking.cpp)
struct Person {
  std::string name;
  idnum::DocType docType = idnum::DocType::ResidentId;
  std::string idNumber;   // normalised
  std::string birthDate;  // YYYY-MM-DD
  std::string sex;        // M | F | ""
  std::string phone;
  std::string address, nationality;
};
// Validates a document number (and, for non-ID-card documents, the birth date) into a
// Person; problems name the request's fields.
Person parsePerson(const std::string& idType, const std::string& idNumber,
                   const std::optional<std::string>& birthDate);
int ageOf(const Person& p, const std::string& onDay);

// A new booking code (预约码), 18 digits: 10-ms ticks since 2020 (12 digits), then this process's
// counter scrambled (6). Codes made later sort later, so the unique index on code takes each
// new one at its right edge instead of dirtying a random page per booking. The code names a
// booking; it opens nothing alone (cancelling or editing also needs the ID number).
std::string newBookingCode();

// Personal data on a booking as X6 wants it: sealed, blind-indexed, masked.
std::string personKey(AppContext& app, const std::string& normalizedId);  // blind index of an ID
std::string personPhoneKey(AppContext& app, const std::string& phone);
// idHash: personKey(app, p.idNumber), which callers have at hand.
void setIdentity(Booking& b, AppContext& app, const Person& p, std::string idHash);
void setPhone(Booking& b, AppContext& app, const std::string& phone);  // "" = none
void notifyBooking(soci::session& sql, AppContext& app, const Booking& b, const std::string& tmpl,
                   const std::map<std::string, std::string>& extra = {});
// Automatic release (V10) and reminder (V8) of one due booking; false when it no longer is.
bool releaseDue(soci::session& sql, AppContext& app, int64_t id, int64_t now);
bool remindDue(soci::session& sql, AppContext& app, int64_t id);

json adminJson(const Booking& b, int64_t now);
json publicJson(const Booking& b, int64_t now);
std::string publicBody(const Booking& b, int64_t now);  // publicJson, serialized

struct BookInput {
  std::string token;
  int64_t slotId = 0;
  int doseNo = 1;
  int64_t gridId = 0;
  Person person;
  std::string personKey;  // personKey(person.idNumber), computed by the route's rate limit
  bool consent = false;
  std::string proxyName, proxyPhone, proxyId, proxyRelation;
  std::optional<std::string> idemKey;
  std::string captchaId, captchaAnswer;  // for a release that asks for a captcha
};
// Citizen bookings go through the Engine (engine.h), which uses these:
bool validPhone(idnum::DocType t, const std::string& phone);
// The grid a booking may name: an enabled grid (网格) under `underPath`, else 422 gridId.
const region::Node& gridUnder(const std::optional<region::Node>& grid,
                              const std::string& underPath);
// What the audit trail keeps of a booking: never the ID number or phone in clear.
json bookingAuditJson(const Booking& b);
std::string bookingAuditText(const Booking& b);  // bookingAuditJson, serialized
std::map<std::string, std::string> bookingSmsVars(const Booking& b);
json eligibilityJson(soci::session& sql, AppContext& app, const Person& person);

std::vector<Booking> lookup(soci::session& sql, AppContext& app,
                            const std::optional<std::string>& code, const std::string& idNumber,
                            const std::optional<std::string>& phone);
Booking citizenCancel(soci::session& sql, AppContext& app, const Actor& a, const std::string& code,
                      const std::string& idNumber);
Booking citizenProfile(soci::session& sql, AppContext& app, const Actor& a, const std::string& code,
                       const std::string& idNumber, int64_t gridId, const std::string& phone);
bool personHasDose(soci::session& sql, const std::string& idHash);

Booking bookingInScope(soci::session& sql, const Principal& p, int64_t id);
struct PersonEdit {
  std::string name;
  std::optional<std::string> phone;  // absent: unchanged (lists only know the masked number)
  int64_t gridId = 0;
};
Booking adminUpdate(soci::session& sql, AppContext& app, const Principal& p, const Actor& a,
                    int64_t id, const PersonEdit& e);
Booking adminChangeGrid(soci::session& sql, const Principal& p, const Actor& a, int64_t id,
                        int64_t gridId);
Booking adminCancel(soci::session& sql, AppContext& app, const Principal& p, const Actor& a,
                    int64_t id, const std::string& reason);
json reveal(soci::session& sql, AppContext& app, const Principal& p, const Actor& a, int64_t id);

// Site work, by site staff (siteId set) or by an admin in scope (siteId 0).
struct Vaccination {
  std::optional<int64_t> at;
  std::string lotNo, vaccinator;
};
Booking checkIn(soci::session& sql, const Actor& a, const Booking& b, bool enforceWindow);
Booking vaccinate(soci::session& sql, const Actor& a, const Booking& b, const Vaccination& v,
                  bool enforceWindow);
Booking notVaccinated(soci::session& sql, const Actor& a, const Booking& b,
                      const std::string& reason, const std::string& note);

// Keyword of the records search → exact filters (name, code, full ID, ID tail, phone).
struct KeywordMatch {
  std::optional<std::string> name, code, idHash, idTailRev, phoneHash;
};
KeywordMatch matchKeyword(AppContext& app, const std::string& keyword);

// ---- jobs (jobs.cpp)
struct JobCounts {
  int released = 0, reminded = 0;
};
JobCounts runDueJobs(soci::session& sql, AppContext& app, int64_t now);

// ---- statistics (stats.cpp)
json regionStats(soci::session& sql, const Principal& p, int64_t regionId, bool grids);
json board(soci::session& sql, const Principal& p, int64_t regionId);
json summary(soci::session& sql, const Principal& p);
std::string statsXlsx(const AppContext& app, const json& stats, bool grids);

// ---- import and export (io.cpp)
// Returns the path of a temporary .xlsx file; the HTTP layer streams and deletes it.
std::string exportBookings(soci::session& sql, AppContext& app, const Principal& p, const Actor& a,
                           const repo::BookingFilter& f);
json importFile(soci::session& sql, AppContext& app, const Principal& p, const Actor& a,
                const std::string& kind, int64_t regionId, std::optional<int64_t> slotId,
                const std::string& filename, const std::string& bytes);
std::string importTemplate(const AppContext& app, const std::string& kind, bool xlsx);

// ---- route registration (routes_*.cpp)
void registerAdminRoutes(http::Routes& routes);
void registerPublicRoutes(http::Routes& routes);
void registerSiteRoutes(http::Routes& routes);

}  // namespace fy::vax
