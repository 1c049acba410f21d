// `fangyi demo-data`: a small city to click through (SPEC X1-X3 in action).
#include <iostream>

#include "app/commands.h"
#include "app/context.h"
#include "db/database.h"
#include "db/migrations.h"
#include "db/soci.h"
#include "modules/iam/service.h"
#include "modules/region/service.h"
#include "modules/vaccination/service.h"

namespace fy::app {

std::string dbUrl(const Options& o);
AppContext makeContext(const Options& o);
void prepareSchema(db::Database& db);

namespace {

struct Street {
  const char* name;
  int64_t population;
  std::vector<std::pair<const char*, int64_t>> grids;
};
struct District {
  const char* name;
  int64_t population;
  std::vector<Street> streets;
};

const std::vector<District> kDistricts = {
    {"钟楼区",
     618848,
     {{"永红街道",
       140787,
       {{"永红社区", 9800}, {"勤业新村社区", 12400}, {"广化社区", 8600}, {"花园社区", 10200}}},
      {"北港街道", 51338, {{"北港社区", 7100}, {"大仓社区", 6900}, {"新闸村", 5200}}},
      {"荷花池街道",
       48211,
       {{"荷花池社区", 8800},
        {"北大街社区", 7700},
        {"万福桥社区", 6600},
        {"机械一村社区", 5400}}}}},
    {"天宁区",
     530000,
     {{"雕庄街道", 66000, {{"雕庄社区", 9100}, {"采菱社区", 8300}, {"丽华村", 6200}}},
      {"青龙街道", 72000, {{"青龙社区", 9900}, {"龙锦社区", 8700}, {"东青村", 5100}}},
      {"茶山街道", 81000, {{"茶山社区", 10400}, {"清潭社区", 9300}, {"丽江社区", 8800}}}}},
};

std::vector<std::string> codes(std::initializer_list<const char*> l) {
  return {l.begin(), l.end()};
}

}  // namespace

int demoData(const Options& o) {
  AppContext app = makeContext(o);
  db::Database db({dbUrl(o), 0});
  prepareSchema(db);
  auto sql = db.connect();
  int existing = 0;
  *sql << "SELECT COUNT(*) FROM region_node", soci::into(existing);
  const std::string pw = "Fangyi2026";
  if (existing > 0) {
    std::cout << "demo data already present (password of demo accounts: " << pw << ")\n";
    return 0;
  }
  soci::transaction tx(*sql);
  Actor actor{0, "demo-data", "127.0.0.1", "demo"};
  auto city = region::createRoot(*sql, actor, {"演示市", 1250000, 1, true, ""});
  Principal root;
  root.regionId = city.id;
  root.regionPath = city.path;

  int64_t superRole = iam::builtinAdminRoleId(*sql);
  if (!superRole)
    superRole = iam::createRoleUnchecked(*sql, actor, "超级管理员", "super_admin", city.id,
                                         iam::allPermissionCodes());
  auto all = iam::allPermissionCodes();
  std::vector<std::string> district;
  for (const auto& c : all)
    if (c != "notify:template:update" && c != "vax:setting:update" &&
        c.rfind("vax:vaccine:", 0) != 0)
      district.push_back(c);
  district.push_back("vax:vaccine:list");
  int64_t districtRole =
      iam::createRoleUnchecked(*sql, actor, "区管理员", "district_admin", city.id, district);
  int64_t streetRole = iam::createRoleUnchecked(
      *sql, actor, "街道管理员", "street_admin", city.id,
      codes({"iam:user:list",      "iam:user:create",         "iam:user:update",
             "iam:user:status",    "iam:user:reset-password", "iam:user:grant",
             "iam:user:move",      "iam:role:list",           "iam:login-log:list",
             "audit:log:list",     "region:node:list",        "region:node:create",
             "region:node:update", "region:node:status",      "notify:sms:list",
             "vax:link:list",      "vax:link:rotate",         "vax:vaccine:list",
             "vax:site:list",      "vax:site:create",         "vax:site:update",
             "vax:site:status",    "vax:staff:list",          "vax:staff:create",
             "vax:staff:status",   "vax:staff:passcode",      "vax:slot:list",
             "vax:slot:create",    "vax:slot:update",         "vax:slot:status",
             "vax:slot:quota",     "vax:booking:list",        "vax:booking:update",
             "vax:booking:cancel", "vax:booking:vaccinate",   "vax:booking:checkin",
             "vax:booking:grid",   "vax:booking:export",      "vax:booking:import",
             "vax:stat:region",    "vax:stat:grid",           "vax:stat:export",
             "vax:stat:board"}));
  int64_t gridRole =
      iam::createRoleUnchecked(*sql, actor, "网格管理员", "grid_admin", city.id,
                               codes({"region:node:list", "iam:user:list", "vax:booking:list",
                                      "vax:stat:region", "vax:stat:grid"}));

  struct Account {
    std::string username, nickname, phone, region, role;
  };
  std::vector<Account> printed;
  auto account = [&](const std::string& username, const std::string& nickname,
                     const std::string& phone, const region::Node& node, int64_t role,
                     const std::string& roleName) {
    iam::NewAccount a;
    a.username = username;
    a.nickname = nickname;
    a.phone = phone;
    a.regionId = node.id;
    a.roleIds = {role};
    a.password = pw;
    a.mustChangePassword = false;  // demo accounts only; real accounts change it at first login
    iam::createAccountUnchecked(*sql, app, actor, a);
    printed.push_back({username, nickname, phone, node.name, roleName});
  };
  account("admin", "市级管理员", "13800000001", city, superRole, "超级管理员");

  int phoneSeq = 10;
  int d = 0;
  for (const auto& dist : kDistricts) {
    auto dn = region::createChild(*sql, root, actor, city.id,
                                  {dist.name, dist.population, ++d, true, ""});
    if (d == 1)
      account("zhonglou", std::string(dist.name) + "管理员", "13800000002", dn, districtRole,
              "区管理员");
    int s = 0;
    for (const auto& st : dist.streets) {
      auto sn =
          region::createChild(*sql, root, actor, dn.id, {st.name, st.population, ++s, true, ""});
      if (d == 1 && s <= 2)
        account(s == 1 ? "yonghong" : "beigang", std::string(st.name) + "管理员",
                "138000000" + std::to_string(++phoneSeq), sn, streetRole, "街道管理员");
      int g = 0;
      for (const auto& [gname, gpop] : st.grids) {
        std::string name = gname;
        bool village = name.size() >= 3 && name.compare(name.size() - 3, 3, "村") == 0;
        auto gn = region::createChild(*sql, root, actor, sn.id,
                                      {gname, gpop, ++g, true, village ? "village" : "community"});
        if (d == 1 && s == 1 && g == 1)
          account("yonghong-grid", std::string(gname) + "网格员", "", gn, gridRole, "网格管理员");
      }
    }
  }
  auto staff = vax::seedDemo(*sql, app, root);
  tx.commit();
  std::cout << "demo data created: 1 city, 2 districts, 6 streets, 20 grids.\n"
            << "accounts (password " << pw << " for all):\n";
  for (const auto& a : printed)
    std::cout << "  " << a.username << "\t" << a.role << "\t" << a.region << "\n";
  std::cout << "vaccination demo: sites, slots for the next days, past doses for statistics.\n"
            << "site staff sign-in at /m/site: " << staff << "\n";
  return 0;
}

}  // namespace fy::app
