#pragma once
// SQL of the vaccination module; nothing else in the module writes SQL.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "modules/vaccination/model.h"

namespace soci {
class session;
class row;
}  // namespace soci

namespace fy::vax::repo {

// Data scope as an index range: "/1/4/" covers ["/1/4/", "/1/40") — every path below it.
std::string scopeEnd(const std::string& path);

// --- vaccines
std::vector<Vaccine> vaccines(soci::session& sql, bool enabledOnly);
std::optional<Vaccine> vaccine(soci::session& sql, int64_t id);
bool vaccineTaken(soci::session& sql, const std::string& code, const std::string& name,
                  int64_t exceptId);
int64_t insertVaccine(soci::session& sql, const Vaccine& v);
void updateVaccine(soci::session& sql, const Vaccine& v);

// --- sites and staff
struct SiteFilter {
  std::string path;
  std::optional<std::string> keyword;
  std::optional<bool> enabled;
  int64_t offset = 0;
  int limit = 10;
};
std::pair<std::vector<Site>, long long> sites(soci::session& sql, const SiteFilter& f);
std::optional<Site> site(soci::session& sql, int64_t id);
bool siteNameTaken(soci::session& sql, int64_t streetId, const std::string& name, int64_t exceptId);
int64_t insertSite(soci::session& sql, const Site& s);
void updateSite(soci::session& sql, const Site& s);

struct StaffFilter {
  std::string path;
  std::optional<int64_t> siteId;
  int64_t offset = 0;
  int limit = 10;
};
std::pair<std::vector<Staff>, long long> staff(soci::session& sql, const StaffFilter& f);
std::optional<Staff> staffById(soci::session& sql, int64_t id);
std::optional<Staff> staffByPasscode(soci::session& sql, const std::string& passcodeHash);
int64_t insertStaff(soci::session& sql, const Staff& s, const std::string& passcodeHash);
void setStaffEnabled(soci::session& sql, int64_t id, bool on, int64_t now);
void setStaffPasscode(soci::session& sql, int64_t id, const std::string& hash, int64_t now);
void insertStaffSession(soci::session& sql, int64_t staffId, const std::string& tokenHash,
                        const std::string& csrf, int64_t now, int64_t expires);
struct StaffSession {
  int64_t id = 0, staffId = 0, expiresAt = 0;
  std::string csrf;
};
std::optional<StaffSession> staffSession(soci::session& sql, const std::string& tokenHash);
void deleteStaffSession(soci::session& sql, int64_t id);
void deleteStaffSessionsOf(soci::session& sql, int64_t staffId);

// --- links
std::optional<std::string> groupToken(soci::session& sql, int64_t streetId);
std::optional<int64_t> streetOfGroupToken(soci::session& sql, const std::string& token);
void setGroupToken(soci::session& sql, int64_t streetId, const std::string& token, int64_t now);
std::map<int64_t, std::string> groupTokens(soci::session& sql);

// --- slots
struct SlotFilter {
  std::string path;
  std::optional<std::string> type, day, status;
  std::optional<int64_t> vaccineId, siteId;
  int64_t now = 0;
  int64_t offset = 0;
  int limit = 10;
};
std::pair<std::vector<Slot>, long long> slots(soci::session& sql, const SlotFilter& f);
std::optional<Slot> slot(soci::session& sql, int64_t id);
// Unlocked slots of a region and type whose booking has not closed yet.
std::vector<Slot> openSlots(soci::session& sql, const std::string& path, const std::string& type,
                            int64_t now);
int64_t insertSlot(soci::session& sql, const Slot& s);
void updateSlot(soci::session& sql, const Slot& s);
void setSlotLocked(soci::session& sql, int64_t id, bool locked, int64_t now);
void addQuota(soci::session& sql, int64_t id, int add, int64_t now);
// Takes one place if the slot is open and not full; false otherwise. The conditional UPDATE
// is what makes overselling impossible, whatever runs concurrently.
bool takePlace(soci::session& sql, int64_t slotId, int64_t now);
void givePlaceBack(soci::session& sql, int64_t slotId, int64_t now);
void bumpSlotVaccinated(soci::session& sql, int64_t slotId, int delta);
struct SlotTotals {
  long long open = 0, remaining = 0;
};
SlotTotals openTotals(soci::session& sql, const std::string& path, int64_t now);

// --- flash-crowd batches (engine.cpp)
// PostgreSQL: NOTIFY in the current transaction (delivered at commit). SQLite: nothing.
void notifyChannel(soci::session& sql, const char* channel, const std::string& payload);
std::vector<int64_t> fullSlots(soci::session& sql, int64_t now);
struct ActiveDose {
  std::string idHash;
  int64_t vaccineId = 0;
  int doseNo = 0;
  std::optional<int64_t> vaccinatedAt;
  std::string code, day;
};
// Active bookings of many people in one statement.
std::vector<ActiveDose> activeDosesOf(soci::session& sql, const std::vector<std::string>& idHashes);
// Idempotency key -> booking id, for the keys that already booked.
std::map<std::string, int64_t> bookingIdsByIdem(soci::session& sql,
                                                const std::vector<std::string>& keys);
// The stored idempotency key of every booking of the slot that has one.
void eachIdemKeyOfSlot(soci::session& sql, int64_t slotId,
                       const std::function<void(const std::string&)>& fn);
// Inserts the bookings; a row a unique index refuses (the same person booked by another node
// meanwhile) gets id 0 instead of failing the batch. A row refused for its code alone (another
// process drew the same one) takes a new code from `fresh` and is tried again.
std::vector<int64_t> insertBookings(soci::session& sql, const std::vector<Booking*>& bs,
                                    const std::function<std::string()>& fresh);
// Search terms (vax_booking_term, 0005_booking_search_terms.sql). insertBookings queues its
// bookings for them; this writes the terms of up to `limit` queued bookings, takes them off
// the queue and says how many it took.
int writeQueuedTerms(soci::session& sql, int limit);
// The terms of a booking written at once (every path but the crowd's).
void writeTermsOfCode(soci::session& sql, const std::string& code);
// Before a booking's name or phone changes: removes its name and phone terms and returns true,
// or returns false if it is queued, and then its terms will be written from its new values.
// After the change, writePersonTerms writes them again where this returned true.
bool dropPersonTerms(soci::session& sql, int64_t bookingId);
void writePersonTerms(soci::session& sql, int64_t bookingId);
// Takes n places at once if they are all there and the slot is not locked (锁定); false if
// another transaction took them or locked it since the batch read the slot.
bool takePlaces(soci::session& sql, int64_t slotId, int n, int64_t now);

// --- bookings
int64_t insertBooking(soci::session& sql, const Booking& b, bool wantId = true);
std::optional<Booking> booking(soci::session& sql, int64_t id);
std::optional<Booking> bookingByCode(soci::session& sql, const std::string& code);
std::optional<Booking> bookingByIdem(soci::session& sql, const std::string& key);
std::vector<Booking> bookingsOfPerson(soci::session& sql, const std::string& idHash);
bool activeExists(soci::session& sql, const std::string& idHash, int64_t vaccineId, int doseNo);

struct BookingFilter {
  std::string path;
  std::optional<std::string> keyword;  // resolved by the service into the fields below
  std::optional<std::string> name, code, idHash, idTailRev, phoneHash;
  std::optional<std::string> type, status;
  std::optional<int64_t> vaccineId, slotId, siteId;
  std::optional<int> doseNo;
  std::optional<bool> checkedIn, vaccinated;
  std::optional<int64_t> from, to;  // created_at range
  int64_t offset = 0;
  int limit = 10;
};
// The total is exact up to kCountCap and kCountCap beyond (the list says "10000+").
inline constexpr long long kCountCap = 10'000;
std::pair<std::vector<Booking>, long long> bookings(soci::session& sql, const BookingFilter& f);
// Streams every matching booking in id order without holding them all in memory.
void eachBooking(soci::session& sql, const BookingFilter& f,
                 const std::function<void(const Booking&)>& fn);
// Active bookings of one site matching a short code (reversed tail prefix), a code or an ID.
std::vector<Booking> siteBookings(soci::session& sql, int64_t siteId, const BookingFilter& match);

// Conditional state changes: each returns false when the booking was not in the required
// state (so a change happens exactly once, also with several server processes).
bool cancel(soci::session& sql, int64_t id, const std::string& by, const std::string& reason,
            bool evenCheckedIn, int64_t now);
bool checkIn(soci::session& sql, int64_t id, int64_t now);
bool vaccinate(soci::session& sql, int64_t id, int64_t at, const std::string& lotNo,
               const std::string& vaccinator, int64_t now);
void updatePerson(soci::session& sql, const Booking& b);  // name, phone, grid, street, path
bool clearRemind(soci::session& sql, int64_t id);
std::vector<int64_t> dueReleases(soci::session& sql, int64_t now, int limit);
std::vector<int64_t> dueReminders(soci::session& sql, int64_t now, int limit);
void setReleaseMinutes(soci::session& sql, const std::string& type, int minutes);

// --- aggregates
void bumpGrid(soci::session& sql, int64_t gridId, int64_t vaccineId, int doseNo, int dBooked,
              int dVaccinated);
void bumpDay(soci::session& sql, int64_t streetId, const std::string& day, int dBooked,
             int dVaccinated, int dReleased);
struct GridStat {
  int64_t gridId = 0, vaccineId = 0;
  int doseNo = 0;
  long long booked = 0, vaccinated = 0;
};
std::vector<GridStat> gridStats(soci::session& sql, const std::string& path);
struct DayStat {
  std::string day;
  long long booked = 0, vaccinated = 0, released = 0;
};
std::vector<DayStat> dayStats(soci::session& sql, const std::string& path, const std::string& from,
                              const std::string& to);

// Rewrites copied region paths after a region move (and the street of bookings whose grid
// moved to another street).
void followMove(soci::session& sql, const std::string& oldPath, const std::string& newPath);

// --- settings
std::map<std::string, std::string> settings(soci::session& sql);
void putSetting(soci::session& sql, const std::string& key, const std::string& value, int64_t now);

}  // namespace fy::vax::repo
