// SQL of the flash-crowd booking batches: few statements per batch, none per row where it
// can be helped.
#include <functional>
#include <nlohmann/json.hpp>

#include "db/bulk.h"
#include "db/database.h"
#include "db/query.h"
#include "db/soci.h"
#include "modules/vaccination/repo.h"

namespace fy::vax::repo {

namespace {
bool isPostgres(soci::session& sql) { return db::dialectOf(sql) == db::Dialect::Postgres; }

// "x IN (<the list's strings>)" in each dialect's words, bound as one parameter. PostgreSQL
// gets an array: its planner walks the index once per element for "= ANY", where a
// set-returning function in "IN (SELECT …)" made it scan the whole table.
std::string inList(soci::session& sql, const std::string& column) {
  return isPostgres(sql) ? column + " = ANY(CAST(:list AS text[]))"
                         : column + " IN (SELECT value FROM json_each(:list))";
}

std::string listParam(soci::session& sql, const std::vector<std::string>& values) {
  return isPostgres(sql) ? db::pgTextArray(values) : nlohmann::json(values).dump();
}

// One row per id of the list (bound as `:name`, from listParam), as a number: compared with
// an integer column as text, SQLite would match nothing.
std::string idRows(soci::session& sql, const std::string& name) {
  return isPostgres(sql)
             ? "SELECT CAST(k AS BIGINT) FROM unnest(CAST(:" + name + " AS text[])) AS k"
             : "SELECT CAST(value AS INTEGER) FROM json_each(:" + name + ")";
}

std::string idList(soci::session& sql, const std::vector<int64_t>& ids) {
  std::vector<std::string> text;
  for (int64_t id : ids) text.push_back(std::to_string(id));
  return listParam(sql, text);
}
}  // namespace

void notifyChannel(soci::session& sql, const char* channel, const std::string& payload) {
  if (!isPostgres(sql)) return;
  std::string ch = channel;
  sql << "SELECT pg_notify(:c, :p)", soci::use(ch), soci::use(payload);
}

std::vector<int64_t> fullSlots(soci::session& sql, int64_t now) {
  long long t = now;
  std::vector<int64_t> out;
  soci::rowset<soci::row> rs = (sql.prepare << "SELECT id FROM vax_slot WHERE ends_at > :t AND "
                                               "booked >= quota",
                                soci::use(t));
  for (const auto& r : rs) out.push_back(db::i64(r, 0));
  return out;
}

// PostgreSQL: one index probe per person, whatever the statistics say. During a release they
// lag far behind the table, and with them the planner took "id_hash = ANY(…)" for a large
// share of the rows and scanned them all (50 ms a batch at 90,000 bookings); OFFSET 0 keeps
// it from turning the lateral subquery back into a join it may hash.
constexpr const char* kActiveDosesPg =
    "SELECT b.id_hash, b.vaccine_id, b.dose_no, b.vaccinated_at, b.code, b.day "
    "FROM unnest(CAST(:list AS text[])) AS k(h) CROSS JOIN LATERAL (SELECT id_hash, vaccine_id, "
    "dose_no, vaccinated_at, code, day FROM vax_booking WHERE id_hash = k.h AND status = "
    "'booked' OFFSET 0) b";
constexpr const char* kActiveDosesSqlite =
    "SELECT id_hash, vaccine_id, dose_no, vaccinated_at, code, day FROM vax_booking "
    "WHERE status = 'booked' AND id_hash IN (SELECT value FROM json_each(:list))";

std::vector<ActiveDose> activeDosesOf(soci::session& sql, const std::vector<std::string>& hashes) {
  std::vector<ActiveDose> out;
  if (hashes.empty()) return out;
  std::string list = listParam(sql, hashes);
  db::Prepared st(sql, isPostgres(sql) ? kActiveDosesPg : kActiveDosesSqlite);
  for (const auto& r : st.run({std::string_view(list)})) {
    ActiveDose d;
    d.idHash = db::str(r, 0);
    d.vaccineId = db::i64(r, 1);
    d.doseNo = static_cast<int>(db::i64(r, 2));
    if (!db::isNull(r, 3)) d.vaccinatedAt = db::i64(r, 3);
    d.code = db::str(r, 4);
    d.day = db::str(r, 5);
    out.push_back(std::move(d));
  }
  return out;
}

std::map<std::string, int64_t> bookingIdsByIdem(soci::session& sql,
                                                const std::vector<std::string>& keys) {
  std::map<std::string, int64_t> out;
  if (keys.empty()) return out;
  std::string list = listParam(sql, keys);
  // Into vectors, one round trip: idem_key is unique, so there is at most a row per key.
  std::vector<std::string> found(keys.size() + 1);
  std::vector<long long> ids(keys.size() + 1);
  sql << "SELECT idem_key, id FROM vax_booking WHERE " + inList(sql, "idem_key"), soci::use(list),
      soci::into(found), soci::into(ids);
  for (size_t i = 0; i < found.size(); ++i) out[found[i]] = ids[i];
  return out;
}

void eachIdemKeyOfSlot(soci::session& sql, int64_t slotId,
                       const std::function<void(const std::string&)>& fn) {
  long long id = slotId;
  soci::rowset<std::string> keys =
      (sql.prepare
           << "SELECT idem_key FROM vax_booking WHERE slot_id = :s AND idem_key IS NOT NULL",
       soci::use(id));
  for (const auto& k : keys) fn(k);
}

namespace {
db::BulkInsert bookingRows(const std::vector<Booking*>& bs) {
  db::BulkInsert in;
  in.table = "vax_booking";
  in.columns = {
      "code",       "type",        "slot_id",     "vaccine_id", "dose_no",    "site_id",
      "street_id",  "grid_id",     "region_path", "day",        "start_min",  "end_min",
      "starts_at",  "ends_at",     "name",        "id_type",    "id_enc",     "id_hash",
      "id_tail",    "id_mask",     "birth_date",  "sex",        "phone_enc",  "phone_hash",
      "phone_mask", "address_enc", "nationality", "proxy_name", "proxy_enc",  "status",
      "release_at", "remind_at",   "source",      "idem_key",   "created_at", "updated_at"};
  in.skipConflicts = true;
  in.keyColumn = "code";
  auto opt = [](const std::optional<int64_t>& v) { return v ? db::Value(*v) : db::Value(); };
  for (const Booking* b : bs)
    in.rows.push_back({b->code,
                       b->type,
                       opt(b->slotId),
                       b->vaccineId,
                       int64_t{b->doseNo},
                       opt(b->siteId),
                       b->streetId,
                       b->gridId,
                       b->regionPath,
                       b->day,
                       int64_t{b->startMin},
                       int64_t{b->endMin},
                       b->startsAt,
                       b->endsAt,
                       b->name,
                       b->idType,
                       b->idEnc,
                       b->idHash,
                       b->idTail,
                       b->idMask,
                       b->birthDate,
                       b->sex,
                       b->phoneEnc,
                       b->phoneHash,
                       b->phoneMask,
                       b->addressEnc,
                       b->nationality,
                       b->proxyName,
                       b->proxyEnc,
                       b->status,
                       opt(b->releaseAt),
                       opt(b->remindAt),
                       b->source,
                       b->idemKey ? db::Value(std::string_view(*b->idemKey)) : db::Value(),
                       b->createdAt,
                       b->updatedAt});
  return in;
}

bool codeTaken(soci::session& sql, const std::string& code) {
  db::Query q("FROM vax_booking");
  q.where("code = :c").bind("c", code);
  db::Row r;
  return q.first(sql, "id", r);
}
}  // namespace

std::vector<int64_t> insertBookings(soci::session& sql, const std::vector<Booking*>& bs,
                                    const std::function<std::string()>& fresh) {
  auto ids = db::insertMany(sql, bookingRows(bs));
  for (size_t i = 0; i < bs.size(); ++i)
    for (int tries = 0; !ids[i] && tries < 3 && codeTaken(sql, bs[i]->code); ++tries) {
      bs[i]->code = fresh();
      ids[i] = db::insertMany(sql, bookingRows({bs[i]})).front();
    }
  // Their search terms are written behind (writeQueuedTerms): the queue's key grows at its
  // right edge, where the terms' keys would each dirty a page anywhere in their index.
  std::vector<int64_t> queued;
  for (int64_t id : ids)
    if (id) queued.push_back(id);
  if (!queued.empty()) {
    std::string list = idList(sql, queued);
    db::Prepared(sql, "INSERT INTO vax_booking_unsearched (booking_id) " + idRows(sql, "list"))
        .run({std::string_view(list)});
  }
  return ids;
}

// ------------------------------------------------------------------ search terms

namespace {
// The terms of the bookings `cond` picks (one parameter, :k), in term order, so the index's
// pages are dirtied one after another. `kinds` picks among name (n), phone (p) and ID tail (t).
void insertTerms(soci::session& sql, const std::string& cond, const std::string& k,
                 const std::string& kinds = "npt") {
  std::string parts;
  auto add = [&](char kind, const char* expr, const char* nonEmpty) {
    if (kinds.find(kind) == std::string::npos) return;
    if (!parts.empty()) parts += " UNION ALL ";
    parts +=
        std::string("SELECT '") + kind + "' || " + expr + " AS term, id FROM picked" + nonEmpty;
  };
  add('n', "name", "");
  add('p', "phone_hash", " WHERE phone_hash <> ''");
  add('t', "id_tail", " WHERE id_tail <> ''");
  sql << "INSERT INTO vax_booking_term (term, booking_id) WITH picked AS (SELECT id, name, "
         "phone_hash, id_tail FROM vax_booking WHERE " +
             cond + ") SELECT term, id FROM (" + parts + ") terms ORDER BY term",
      soci::use(k);
}
}  // namespace

int writeQueuedTerms(soci::session& sql, int limit) {
  long long n = limit;
  // PostgreSQL: a booking whose person an editor is changing (locked in the queue by
  // dropPersonTerms) is left for a later round, and two nodes never take the same booking.
  std::vector<long long> taken(static_cast<size_t>(limit));
  sql << std::string(
             "DELETE FROM vax_booking_unsearched WHERE booking_id IN (SELECT booking_id "
             "FROM vax_booking_unsearched ORDER BY booking_id LIMIT :n") +
             (isPostgres(sql) ? " FOR UPDATE SKIP LOCKED" : "") + ") RETURNING booking_id",
      soci::use(n), soci::into(taken);
  if (taken.empty()) return 0;
  insertTerms(sql, "id IN (" + idRows(sql, "k") + ")",
              idList(sql, std::vector<int64_t>(taken.begin(), taken.end())));
  return static_cast<int>(taken.size());
}

void writeTermsOfCode(soci::session& sql, const std::string& code) {
  insertTerms(sql, "code = :k", code);
}

bool dropPersonTerms(soci::session& sql, int64_t bookingId) {
  long long id = bookingId, queued = 0;
  // PostgreSQL: waits for a writeQueuedTerms that took this booking, then finds it gone; or
  // locks it in the queue, so that none takes it before this transaction ends.
  sql << std::string("SELECT booking_id FROM vax_booking_unsearched WHERE booking_id = :id") +
             (isPostgres(sql) ? " FOR UPDATE" : ""),
      soci::use(id), soci::into(queued);
  if (sql.got_data()) return false;
  sql << "DELETE FROM vax_booking_term WHERE booking_id = :id AND term IN (SELECT 'n' || name "
         "FROM vax_booking WHERE id = :id2 UNION ALL SELECT 'p' || phone_hash FROM vax_booking "
         "WHERE id = :id3)",
      soci::use(id), soci::use(id), soci::use(id);
  return true;
}

void writePersonTerms(soci::session& sql, int64_t bookingId) {
  insertTerms(sql, "id = CAST(:k AS BIGINT)", std::to_string(bookingId), "np");
}

bool takePlaces(soci::session& sql, int64_t slotId, int n, int64_t now) {
  // RETURNING tells whether the row changed, in the one round trip.
  db::Prepared st(sql,
                  "UPDATE vax_slot SET booked = booked + :k, updated_at = :t WHERE id = :id AND "
                  "booked + :k <= quota AND locked = 0 RETURNING id");
  return !st.run({int64_t{n}, now, slotId}).empty();
}

}  // namespace fy::vax::repo
