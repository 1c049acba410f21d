#include "modules/region/repo.h"

#include "db/query.h"
#include "db/soci.h"

namespace fy::region::repo {

namespace {
const char* kCols =
    "id, parent_id, name, level, kind, population, sort_order, enabled, path, link_token, "
    "created_at, updated_at";

template <class R>
Node fromRow(const R& r) {
  Node n;
  n.id = db::i64(r, 0);
  n.parentId = db::i64(r, 1);
  n.name = db::str(r, 2);
  n.level = static_cast<int>(db::i64(r, 3));
  n.kind = db::str(r, 4);
  n.population = db::i64(r, 5);
  n.sortOrder = static_cast<int>(db::i64(r, 6));
  n.enabled = db::i64(r, 7) != 0;
  n.path = db::str(r, 8);
  n.linkToken = db::str(r, 9);
  n.createdAt = db::i64(r, 10);
  n.updatedAt = db::i64(r, 11);
  return n;
}

std::optional<Node> one(soci::session& sql, db::Query& q) {
  db::Row r;
  if (!q.first(sql, kCols, r)) return std::nullopt;
  return fromRow(r);
}
}  // namespace

std::optional<Node> byId(soci::session& sql, int64_t id) {
  db::Query q("FROM region_node");
  return one(sql, q.where("id = :id").bind("id", id));
}

std::optional<Node> byLinkToken(soci::session& sql, const std::string& token) {
  db::Query q("FROM region_node");
  return one(sql, q.where("link_token = :t").bind("t", token));
}

std::vector<Node> subtree(soci::session& sql, const std::string& path) {
  std::string like = path + "%";
  soci::rowset<soci::row> rs = (sql.prepare << std::string("SELECT ") + kCols +
                                                   " FROM region_node WHERE path LIKE :p "
                                                   "ORDER BY level, sort_order, id",
                                soci::use(like));
  std::vector<Node> out;
  for (const auto& r : rs) out.push_back(fromRow(r));
  return out;
}

std::pair<std::vector<Node>, long long> children(soci::session& sql, const ChildFilter& f) {
  db::Query q("FROM region_node WHERE parent_id = :pid");
  q.bind("pid", f.parentId);
  if (f.keyword) q.where("name LIKE :kw").bind("kw", "%" + *f.keyword + "%");
  long long total = q.count(sql);
  std::vector<Node> out;
  for (const auto& r : q.select(sql, kCols, "ORDER BY sort_order, id", f.offset, f.limit))
    out.push_back(fromRow(r));
  return {out, total};
}

bool siblingNameTaken(soci::session& sql, int64_t parentId, const std::string& name,
                      int64_t exceptId) {
  long long pid = parentId, ex = exceptId;
  int n = 0;
  sql << "SELECT COUNT(*) FROM region_node WHERE parent_id = :p AND name = :n AND id <> :e",
      soci::use(pid), soci::use(name), soci::use(ex), soci::into(n);
  return n > 0;
}

int64_t insert(soci::session& sql, const Node& n) {
  long long pid = n.parentId, pop = n.population, t = n.createdAt;
  int level = n.level, sort = n.sortOrder, enabled = n.enabled ? 1 : 0;
  soci::indicator pidInd = n.parentId ? soci::i_ok : soci::i_null;
  soci::indicator kindInd = n.kind.empty() ? soci::i_null : soci::i_ok;
  soci::indicator tokInd = n.linkToken.empty() ? soci::i_null : soci::i_ok;
  long long id = 0;
  sql << "INSERT INTO region_node (parent_id, name, level, kind, population, sort_order, enabled, "
         "path, link_token, created_at, updated_at) VALUES (:pid, :name, :lvl, :kind, :pop, :sort, "
         ":en, '', :tok, :t, :t2) RETURNING id",
      soci::use(pid, pidInd), soci::use(n.name), soci::use(level), soci::use(n.kind, kindInd),
      soci::use(pop), soci::use(sort), soci::use(enabled), soci::use(n.linkToken, tokInd),
      soci::use(t), soci::use(t), soci::into(id);
  std::string path = n.path + std::to_string(id) + "/";
  sql << "UPDATE region_node SET path = :p WHERE id = :id", soci::use(path), soci::use(id);
  return id;
}

void update(soci::session& sql, const Node& n) {
  long long id = n.id, pop = n.population, t = n.updatedAt;
  int sort = n.sortOrder, enabled = n.enabled ? 1 : 0;
  soci::indicator kindInd = n.kind.empty() ? soci::i_null : soci::i_ok;
  sql << "UPDATE region_node SET name = :name, kind = :kind, population = :pop, sort_order = "
         ":sort, "
         "enabled = :en, updated_at = :t WHERE id = :id",
      soci::use(n.name), soci::use(n.kind, kindInd), soci::use(pop), soci::use(sort),
      soci::use(enabled), soci::use(t), soci::use(id);
}

void movePaths(soci::session& sql, int64_t id, int64_t newParentId, const std::string& oldPath,
               const std::string& newPath, int64_t now) {
  long long nid = id, pid = newParentId, t = now;
  sql << "UPDATE region_node SET parent_id = :p, updated_at = :t WHERE id = :id", soci::use(pid),
      soci::use(t), soci::use(nid);
  // Every descendant keeps its id (so accounts and history stay attached); only the prefix of
  // its materialised path changes.
  int keepFrom = static_cast<int>(oldPath.size()) + 1;
  std::string like = oldPath + "%";
  sql << "UPDATE region_node SET path = :np || substr(path, :k) WHERE path LIKE :old",
      soci::use(newPath), soci::use(keepFrom), soci::use(like);
}

Counts counts(soci::session& sql, const std::string& path) {
  Counts c;
  std::string like = path + "%";
  sql << "SELECT COALESCE(SUM(CASE WHEN level = 2 THEN 1 ELSE 0 END), 0), "
         "COALESCE(SUM(CASE WHEN level = 3 THEN 1 ELSE 0 END), 0), "
         "COALESCE(SUM(CASE WHEN level = 4 THEN 1 ELSE 0 END), 0) FROM region_node WHERE path LIKE "
         ":p",
      soci::use(like), soci::into(c.districts), soci::into(c.streets), soci::into(c.grids);
  sql << "SELECT COUNT(*) FROM iam_user u JOIN region_node r ON r.id = u.region_id WHERE r.path "
         "LIKE :p",
      soci::use(like), soci::into(c.users);
  return c;
}

}  // namespace fy::region::repo
