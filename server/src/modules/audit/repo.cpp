#include "modules/audit/repo.h"

#include "db/bulk.h"
#include "db/query.h"
#include "db/soci.h"

namespace fy::audit::repo {

void insert(soci::session& sql, const Actor& a, const Entry& e, int64_t now) {
  std::string before = e.before.is_null() ? "" : e.before.dump();
  std::string after = e.after.is_null() ? "" : e.after.dump();
  soci::indicator bi = e.before.is_null() ? soci::i_null : soci::i_ok;
  soci::indicator ai = e.after.is_null() ? soci::i_null : soci::i_ok;
  long long actorId = a.id, entityId = e.entityId, t = now;
  soci::indicator actorInd = a.id ? soci::i_ok : soci::i_null;
  sql << "INSERT INTO audit_log (created_at, actor_id, actor_name, ip, request_id, action, entity, "
         "entity_id, region_path, summary, before_json, after_json) VALUES (:t, :aid, :an, :ip, "
         ":rid, :act, :ent, :eid, :rp, :sum, :bj, :aj)",
      soci::use(t), soci::use(actorId, actorInd), soci::use(a.name), soci::use(a.ip),
      soci::use(a.requestId), soci::use(e.action), soci::use(e.entity), soci::use(entityId),
      soci::use(e.regionPath), soci::use(e.summary), soci::use(before, bi), soci::use(after, ai);
}

void insertCreated(soci::session& sql, const std::string& entity, const std::vector<Created>& rows,
                   int64_t now) {
  db::BulkInsert in;
  in.table = "audit_log";
  in.columns = {"created_at", "actor_id",  "actor_name",  "ip",      "request_id", "action",
                "entity",     "entity_id", "region_path", "summary", "after_json"};
  in.rows.reserve(rows.size());
  for (const auto& r : rows)
    in.rows.push_back({now, r.actor.id ? db::Value(r.actor.id) : db::Value(), r.actor.name,
                       r.actor.ip, r.actor.requestId, std::string_view("create"), entity,
                       r.entityId, r.regionPath, r.summary, r.after});
  db::insertMany(sql, in);
}

nlohmann::json list(soci::session& sql, const Filter& f) {
  db::Query q("FROM audit_log WHERE region_path LIKE :scope");
  q.bind("scope", f.scopePath + "%");
  if (f.actor) q.where("actor_name = :actor").bind("actor", *f.actor);
  if (f.entity) q.where("entity = :entity").bind("entity", *f.entity);
  if (f.action) q.where("action = :action").bind("action", *f.action);
  if (f.entityId) q.where("entity_id = :eid").bind("eid", *f.entityId);
  if (f.from) q.where("created_at >= :from").bind("from", *f.from);
  if (f.to) q.where("created_at <= :to").bind("to", *f.to);
  long long total = q.count(sql);
  nlohmann::json items = nlohmann::json::array();
  soci::rowset<soci::row> rs = q.select(sql,
                                        "id, created_at, actor_id, actor_name, ip, action, entity, "
                                        "entity_id, summary, before_json, after_json",
                                        "ORDER BY id DESC", f.offset, f.limit);
  for (const auto& r : rs) {
    auto parse = [&](size_t i) {
      if (r.get_indicator(i) == soci::i_null) return nlohmann::json();
      return nlohmann::json::parse(r.get<std::string>(i), nullptr, false);
    };
    items.push_back(
        {{"id", db::i64(r, 0)},
         {"createdAt", db::i64(r, 1)},
         {"actorId",
          r.get_indicator(2) == soci::i_null ? nlohmann::json() : nlohmann::json(db::i64(r, 2))},
         {"actorName", r.get<std::string>(3)},
         {"ip", r.get<std::string>(4)},
         {"action", r.get<std::string>(5)},
         {"entity", r.get<std::string>(6)},
         {"entityId", db::i64(r, 7)},
         {"summary", r.get<std::string>(8)},
         {"before", parse(9)},
         {"after", parse(10)}});
  }
  return {{"items", items}, {"total", total}};
}

}  // namespace fy::audit::repo
