#include "modules/notify/repo.h"

#include "db/bulk.h"
#include "db/query.h"
#include "db/soci.h"

namespace fy::notify::repo {

std::optional<std::string> templateContent(soci::session& sql, const std::string& code) {
  // Kept prepared: every booking batch reads its SMS template.
  auto rows = db::Prepared(sql, "SELECT content FROM notify_template WHERE code = :c")
                  .run({std::string_view(code)});
  if (rows.empty() || db::isNull(rows[0], 0)) return std::nullopt;
  return db::str(rows[0], 0);
}

nlohmann::json listTemplates(soci::session& sql) {
  nlohmann::json items = nlohmann::json::array();
  soci::rowset<soci::row> rs =
      (sql.prepare << "SELECT code, name, content, updated_at FROM notify_template ORDER BY code");
  for (const auto& r : rs)
    items.push_back({{"code", db::str(r, 0)},
                     {"name", db::str(r, 1)},
                     {"content", db::str(r, 2)},
                     {"updatedAt", db::i64(r, 3)}});
  return {{"items", items}, {"total", items.size()}};
}

std::optional<nlohmann::json> templateJson(soci::session& sql, const std::string& code) {
  nlohmann::json all = listTemplates(sql);
  for (const auto& t : all["items"])
    if (t["code"] == code) return t;
  return std::nullopt;
}

void updateTemplate(soci::session& sql, const std::string& code, const std::string& content,
                    int64_t now) {
  long long t = now;
  sql << "UPDATE notify_template SET content = :c, updated_at = :t WHERE code = :code",
      soci::use(content), soci::use(t), soci::use(code);
}

void insertSms(soci::session& sql, const std::string& phoneEnc, const std::string& phoneMask,
               const std::string& tmpl, const std::string& content, const std::string& regionPath,
               int64_t now) {
  long long t = now;
  sql << "INSERT INTO notify_sms (phone_enc, phone_mask, template, content, status, attempts, "
         "next_attempt_at, region_path, created_at) VALUES (:pe, :pm, :tm, :c, 'pending', 0, :t, "
         ":rp, :t2)",
      soci::use(phoneEnc), soci::use(phoneMask), soci::use(tmpl), soci::use(content), soci::use(t),
      soci::use(regionPath), soci::use(t);
}

void insertAllSms(soci::session& sql, const std::string& tmpl, const std::vector<NewSms>& rows,
                  int64_t now) {
  db::BulkInsert in;
  in.table = "notify_sms";
  in.columns = {"phone_enc", "phone_mask",      "template",    "content",   "status",
                "attempts",  "next_attempt_at", "region_path", "created_at"};
  for (const auto& r : rows)
    in.rows.push_back({r.phoneEnc, r.phoneMask, tmpl, r.content, std::string_view("pending"),
                       int64_t{0}, now, r.regionPath, now});
  db::insertMany(sql, in);
}

std::vector<Due> claimDue(soci::session& sql, int64_t now, int64_t leaseMs, int limit) {
  long long t = now, until = now + leaseMs;
  std::vector<Due> out;
  soci::rowset<soci::row> rs =
      (sql.prepare
           << "SELECT id, phone_enc, content, attempts FROM notify_sms WHERE status = "
              "'pending' AND next_attempt_at <= :t AND claimed_until < :t2 ORDER BY id LIMIT " +
                  std::to_string(limit),
       soci::use(t), soci::use(t));
  for (const auto& r : rs)
    out.push_back({db::i64(r, 0), db::str(r, 1), db::str(r, 2), static_cast<int>(db::i64(r, 3))});
  // A claim is a lease: a process that dies mid-send leaves the message for another to retry.
  for (const auto& d : out) {
    long long id = d.id;
    sql << "UPDATE notify_sms SET claimed_until = :u WHERE id = :id", soci::use(until),
        soci::use(id);
  }
  return out;
}

void markSent(soci::session& sql, int64_t id, int64_t now) {
  long long v = id, t = now;
  sql << "UPDATE notify_sms SET status = 'sent', sent_at = :t, attempts = attempts + 1 WHERE id = "
         ":id",
      soci::use(t), soci::use(v);
}

void markFailed(soci::session& sql, int64_t id, int attempts, const std::string& error,
                int64_t nextAt, bool final) {
  long long v = id, n = nextAt;
  std::string status = final ? "failed" : "pending";
  std::string err = error.substr(0, 500);
  sql << "UPDATE notify_sms SET status = :s, attempts = :a, last_error = :e, next_attempt_at = :n, "
         "claimed_until = 0 WHERE id = :id",
      soci::use(status), soci::use(attempts), soci::use(err), soci::use(n), soci::use(v);
}

nlohmann::json listSms(soci::session& sql, const SmsFilter& f) {
  db::Query q("FROM notify_sms WHERE region_path LIKE :scope");
  q.bind("scope", f.scopePath + "%");
  if (f.status) q.where("status = :st").bind("st", *f.status);
  long long total = q.count(sql);
  nlohmann::json items = nlohmann::json::array();
  for (const auto& r :
       q.select(sql, "id, phone_mask, template, content, status, attempts, created_at, sent_at",
                "ORDER BY id DESC", f.offset, f.limit))
    items.push_back(
        {{"id", db::i64(r, 0)},
         {"phone", db::str(r, 1)},
         {"template", db::str(r, 2)},
         {"content", db::str(r, 3)},
         {"status", db::str(r, 4)},
         {"attempts", db::i64(r, 5)},
         {"createdAt", db::i64(r, 6)},
         {"sentAt", db::isNull(r, 7) ? nlohmann::json() : nlohmann::json(db::i64(r, 7))}});
  return {{"items", items}, {"total", total}};
}

}  // namespace fy::notify::repo
