// Region and grid statistics (V14), the leaderboard (V15) and home-page counts (X10), all
// read from the aggregates that every booking change keeps current.
#include <algorithm>
#include <cmath>
#include <map>

#include "app/context.h"
#include "common/clock.h"
#include "common/xlsx.h"
#include "modules/vaccination/internal.h"
#include "modules/vaccination/repo.h"
#include "modules/vaccination/rules.h"

namespace fy::vax {

namespace {

struct Row {
  const region::Node* node = nullptr;
  std::map<int64_t, std::vector<long long>> doses;  // vaccine -> vaccinated per dose
  long long firstDose = 0, fullCourse = 0, booked = 0;
};

double rate(long long n, long long plan) {
  return plan > 0
             ? std::round(10000.0 * static_cast<double>(n) / static_cast<double>(plan)) / 10000.0
             : 0.0;
}

// Competition ranking ("1224"): equal rates share a rank.
void rank(json& rows, const char* key, const char* out) {
  std::vector<double> values;
  for (const auto& r : rows) values.push_back(r[key].get<double>());
  for (auto& r : rows) {
    double v = r[key].get<double>();
    r[out] = 1 + std::count_if(values.begin(), values.end(), [&](double x) { return x > v; });
  }
}

struct Computed {
  json vaccines = json::array();
  json rows = json::array();
  json total;
  double target = 0.44;
};

// Rows are the nodes of `rowLevel` under `root`, or `root` itself when it sits at or below it.
Computed compute(soci::session& sql, const region::Node& root, int rowLevel) {
  auto nodes = region::subtree(sql, root.path);
  auto vaccines = repo::vaccines(sql, false);
  auto stats = repo::gridStats(sql, root.path);
  Settings st = loadSettings(sql);

  std::map<int64_t, const region::Node*> byId;
  for (const auto& n : nodes) byId[n.id] = &n;
  std::map<int64_t, int> dosesOf;
  for (const auto& v : vaccines) dosesOf[v.id] = v.doses;

  std::vector<const region::Node*> rowNodes;
  for (const auto& n : nodes) {
    if (root.level >= rowLevel ? n.id == root.id : n.level == rowLevel) rowNodes.push_back(&n);
  }
  std::map<int64_t, Row> rows;
  Row total;
  total.node = &root;
  for (const auto* n : rowNodes) rows[n->id].node = n;
  auto add = [&](Row& r, const repo::GridStat& s) {
    auto& d = r.doses[s.vaccineId];
    d.resize(std::max<size_t>(d.size(), dosesOf[s.vaccineId]), 0);
    if (s.doseNo >= 1 && static_cast<size_t>(s.doseNo) <= d.size()) d[s.doseNo - 1] += s.vaccinated;
    if (s.doseNo == 1) r.firstDose += s.vaccinated;
    if (s.doseNo == dosesOf[s.vaccineId]) r.fullCourse += s.vaccinated;
    r.booked += s.booked;
  };
  for (const auto& s : stats) {
    add(total, s);
    // Walk up from the grid to the row node it belongs to.
    for (auto it = byId.find(s.gridId); it != byId.end(); it = byId.find(it->second->parentId)) {
      if (auto r = rows.find(it->first); r != rows.end()) {
        add(r->second, s);
        break;
      }
      if (it->second->id == root.id) break;
    }
  }
  auto toJ = [&](const Row& r) {
    json doses = json::object();
    for (const auto& v : vaccines) {
      auto it = r.doses.find(v.id);
      std::vector<long long> d = it == r.doses.end() ? std::vector<long long>{} : it->second;
      d.resize(v.doses, 0);
      doses[std::to_string(v.id)] = d;
    }
    long long plan = std::llround(static_cast<double>(r.node->population) * st.coverageTarget);
    return json{{"regionId", r.node->id},
                {"name", r.node->name},
                {"level", r.node->level},
                {"population", r.node->population},
                {"doses", doses},
                {"booked", r.booked},
                {"plan", plan},
                {"firstDose", r.firstDose},
                {"fullCourse", r.fullCourse},
                {"firstRate", rate(r.firstDose, plan)},
                {"fullRate", rate(r.fullCourse, plan)}};
  };
  Computed c;
  c.target = st.coverageTarget;
  for (const auto& v : vaccines)
    c.vaccines.push_back(
        {{"id", v.id}, {"name", v.name}, {"nameEn", v.nameEn}, {"doses", v.doses}});
  for (const auto* n : rowNodes) c.rows.push_back(toJ(rows[n->id]));
  rank(c.rows, "firstRate", "firstRank");
  rank(c.rows, "fullRate", "fullRank");
  c.total = toJ(total);
  return c;
}

region::Node rootOf(soci::session& sql, const Principal& p, int64_t regionId) {
  return region::findInScope(sql, p, regionId ? regionId : p.regionId);
}

}  // namespace

json regionStats(soci::session& sql, const Principal& p, int64_t regionId, bool grids) {
  region::Node root = rootOf(sql, p, regionId);
  Computed c =
      compute(sql, root, grids ? region::kGrid : std::min(root.level + 1, +region::kStreet));
  return {{"target", c.target}, {"vaccines", c.vaccines}, {"rows", c.rows}, {"total", c.total}};
}

json board(soci::session& sql, const Principal& p, int64_t regionId) {
  region::Node root = rootOf(sql, p, regionId);
  Computed streets = compute(sql, root, region::kStreet);
  json streetRows = streets.rows;
  std::sort(streetRows.begin(), streetRows.end(), [](const json& a, const json& b) {
    return a["fullRate"].get<double>() > b["fullRate"].get<double>();
  });
  json gridRows = compute(sql, root, region::kGrid).rows;
  std::sort(gridRows.begin(), gridRows.end(), [](const json& a, const json& b) {
    return a["firstRate"].get<double>() > b["firstRate"].get<double>();
  });
  if (gridRows.size() > 30) gridRows.erase(gridRows.begin() + 30, gridRows.end());
  std::string today = rules::localDay(Clock::nowMs());
  std::string from = rules::addDays(today, -13);
  std::map<std::string, repo::DayStat> byDay;
  for (const auto& d : repo::dayStats(sql, root.path, from, today)) byDay[d.day] = d;
  json days = json::array();
  for (int i = 0; i < 14; ++i) {
    std::string day = rules::addDays(from, i);
    auto it = byDay.find(day);
    days.push_back({{"date", day},
                    {"booked", it == byDay.end() ? 0 : it->second.booked},
                    {"vaccinated", it == byDay.end() ? 0 : it->second.vaccinated},
                    {"released", it == byDay.end() ? 0 : it->second.released}});
  }
  return {{"region", {{"id", root.id}, {"name", root.name}}},
          {"streets", streetRows},
          {"grids", gridRows},
          {"days", days},
          {"totals", streets.total},
          {"vaccines", streets.vaccines}};
}

json summary(soci::session& sql, const Principal& p) {
  region::Node root = rootOf(sql, p, 0);
  Computed c = compute(sql, root, std::min(root.level + 1, +region::kStreet));
  std::string today = rules::localDay(Clock::nowMs());
  long long todayBooked = 0, todayVaccinated = 0, totalVaccinated = 0;
  for (const auto& d : repo::dayStats(sql, p.regionPath, today, today)) {
    todayBooked += d.booked;
    todayVaccinated += d.vaccinated;
  }
  for (auto& [_, d] : c.total["doses"].items())
    for (auto& n : d) totalVaccinated += n.get<long long>();
  auto open = repo::openTotals(sql, p.regionPath, Clock::nowMs());
  return {{"todayBooked", todayBooked},
          {"todayVaccinated", todayVaccinated},
          {"totalVaccinated", totalVaccinated},
          {"firstDose", c.total["firstDose"]},
          {"fullCourse", c.total["fullCourse"]},
          {"population", c.total["population"]},
          {"plan", c.total["plan"]},
          {"firstRate", c.total["firstRate"]},
          {"fullRate", c.total["fullRate"]},
          {"activeBookings", c.total["booked"]},
          {"openSlots", open.open},
          {"remainingPlaces", open.remaining}};
}

std::string statsXlsx(const AppContext& app, const json& stats, bool grids) {
  xlsx::Writer w(app.dataDir, grids ? "网格统计" : "地区统计");
  std::vector<std::string> head{grids ? "网格" : "地区", "常住人口(a)"};
  std::string letters = "bcdefghijmnopqrstuvw";
  size_t li = 0;
  for (const auto& v : stats["vaccines"])
    for (int d = 1; d <= v["doses"].get<int>(); ++d)
      head.push_back(v["name"].get<std::string>() + " 第" + std::to_string(d) + "剂(" +
                     letters[li++ % letters.size()] + ")");
  head.insert(head.end(), {"计划数(k)", "首针完成率", "序位", "接种完成率", "序位"});
  w.header(head);
  auto line = [&](const json& r) {
    std::vector<std::string> cells{r["name"].get<std::string>(),
                                   std::to_string(r["population"].get<long long>())};
    std::vector<bool> numeric{false, true};
    for (const auto& v : stats["vaccines"])
      for (const auto& n : r["doses"][std::to_string(v["id"].get<int64_t>())]) {
        cells.push_back(std::to_string(n.get<long long>()));
        numeric.push_back(true);
      }
    auto pct = [](double x) {
      char b[32];
      std::snprintf(b, sizeof b, "%.2f%%", x * 100);
      return std::string(b);
    };
    cells.push_back(std::to_string(r["plan"].get<long long>()));
    cells.push_back(pct(r["firstRate"].get<double>()));
    cells.push_back(r.contains("firstRank") ? std::to_string(r["firstRank"].get<int>()) : "");
    cells.push_back(pct(r["fullRate"].get<double>()));
    cells.push_back(r.contains("fullRank") ? std::to_string(r["fullRank"].get<int>()) : "");
    numeric.insert(numeric.end(), {true, false, false, false, false});
    w.rowMixed(cells, numeric);
  };
  for (const auto& r : stats["rows"]) line(r);
  json total = stats["total"];
  total["name"] = "合计 " + total["name"].get<std::string>();
  line(total);
  return w.finish();
}

}  // namespace fy::vax
