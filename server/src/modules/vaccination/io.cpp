// Batch import (V11, X8) and export of booking records (V9, X8).
#include <map>
#include <set>

#include "app/context.h"
#include "common/clock.h"
#include "common/csv.h"
#include "common/xlsx.h"
#include "modules/audit/service.h"
#include "modules/vaccination/internal.h"
#include "modules/vaccination/repo.h"
#include "modules/vaccination/rules.h"

namespace fy::vax {

namespace {

constexpr size_t kMaxRows = 200'000;
constexpr size_t kMaxReported = 2'000;

const char* typeName(const std::string& t) {
  return t == "group" ? "团体预约" : t == "foreign" ? "外籍预约" : "个人预约";
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n"), e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// "1", "第1针", "第1剂", "1.0" -> 1
int doseOf(const std::string& s) {
  int n = 0;
  bool seen = false;
  for (char c : s) {
    if (c >= '0' && c <= '9') {
      n = n * 10 + (c - '0');
      seen = true;
      if (n > 99) return 0;
    } else if (seen) {
      break;
    }
  }
  return seen ? n : 0;
}

std::vector<std::string> templateColumns(const std::string& kind) {
  if (kind == "history")
    return {"姓名",     "证件类型", "身份证号", "手机",     "疫苗编号",
            "疫苗名称", "针数",     "所属网格", "接种日期", "批号"};
  return {"姓名", "证件类型", "身份证号", "手机", "疫苗编号", "疫苗名称", "针数", "所属网格"};
}

}  // namespace

std::string importTemplate(const AppContext& app, const std::string& kind, bool asXlsx) {
  auto cols = templateColumns(kind);
  std::vector<std::string> sample{"张三",
                                  "身份证",
                                  "11010519491231002X",
                                  "13800000000",
                                  "1379696357380038657",
                                  "新冠病毒灭活疫苗vero细胞（二针型）",
                                  "1",
                                  "荷花池社区"};
  if (kind == "history") sample.insert(sample.end(), {"2021-04-21", "202104A001"});
  if (!asXlsx) return "\xEF\xBB\xBF" + csv::line(cols) + csv::line(sample);
  xlsx::Writer w(app.dataDir, kind == "history" ? "历史接种" : "预约记录");
  w.header(cols);
  w.row(sample);
  return w.finish();
}

json importFile(soci::session& sql, AppContext& app, const Principal& p, const Actor& a,
                const std::string& kind, int64_t regionId, std::optional<int64_t> slotId,
                const std::string& filename, const std::string& bytes) {
  region::Node region = region::findInScope(sql, p, regionId ? regionId : p.regionId);
  std::optional<Slot> slot;
  if (kind == "booking") {
    if (!slotId)
      throw Problem(400, "invalid_query", "slotId: choose the slot the rows are booked into",
                    {{"slotId", "required", "required for kind=booking"}});
    slot = slotInScope(sql, p, *slotId);
  }
  std::vector<csv::Row> rows;
  try {
    rows = bytes.rfind("PK\x03\x04", 0) == 0 ? xlsx::readFirstSheet(bytes) : csv::parse(bytes);
  } catch (const std::exception& e) {
    throw Problem(422, "invalid_file", std::string("the file cannot be read: ") + e.what(),
                  {{"file", "invalid_file", e.what()}});
  }
  if (rows.empty())
    throw Problem(422, "invalid_file", "the file is empty", {{"file", "empty", "no rows"}});
  if (rows.size() > kMaxRows + 1)
    throw Problem(422, "too_many_rows", "at most 200000 rows per file",
                  {{"file", "too_many_rows", "split the file"}});

  // Columns are found by their titles, so that the order in the file does not matter.
  std::map<std::string, size_t> col;
  for (size_t i = 0; i < rows[0].cells.size(); ++i) col[trim(rows[0].cells[i])] = i;
  if (!col.count("身份证号") && col.count("证件号码")) col["身份证号"] = col["证件号码"];
  std::vector<std::string> required{"姓名", "身份证号", "针数", "所属网格"};
  if (kind == "history") required.push_back("接种日期");
  for (const auto& r : required)
    if (!col.count(r))
      throw Problem(422, "invalid_file", "the header row lacks the column " + r,
                    {{"file", "missing_column", r}});
  if (kind == "history" && !col.count("疫苗编号") && !col.count("疫苗名称"))
    throw Problem(422, "invalid_file", "the header row needs 疫苗编号 or 疫苗名称",
                  {{"file", "missing_column", "疫苗编号"}});

  auto cell = [&](const csv::Row& r, const char* name) -> std::string {
    auto it = col.find(name);
    if (it == col.end() || it->second >= r.cells.size()) return "";
    return trim(r.cells[it->second]);
  };

  std::map<std::string, std::vector<region::Node>> grids;
  for (auto& n : region::subtree(sql, region.path))
    if (n.level == region::kGrid && n.enabled) grids[n.name].push_back(n);
  auto vaccines = repo::vaccines(sql, false);
  std::map<int64_t, std::string> streetNames;
  Settings st = loadSettings(sql);

  json errors = json::array();
  size_t failed = 0, skipped = 0, imported = 0;
  auto fail = [&](const csv::Row& r, const std::string& field, const std::string& reason,
                  bool duplicate = false) {
    (duplicate ? skipped : failed)++;
    if (errors.size() < kMaxReported)
      errors.push_back(
          {{"row", r.number}, {"field", field}, {"reason", reason}, {"skipped", duplicate}});
  };

  std::set<std::string> seen;
  std::map<std::tuple<int64_t, int64_t, int>, std::pair<int, int>> gridBumps;
  std::map<std::pair<int64_t, std::string>, std::pair<int, int>> dayBumps;
  int64_t now = Clock::nowMs();
  std::string today = rules::localDay(now);
  for (size_t i = 1; i < rows.size(); ++i) {
    const auto& r = rows[i];
    std::string name = cell(r, "姓名");
    if (name.empty() || name.size() > 180) {  // 60 characters of up to 3 bytes
      fail(r, "姓名", "姓名不能为空");
      continue;
    }
    std::string docWord = cell(r, "证件类型");
    std::string idType = docWord == "护照" || docWord == "passport" ? "passport"
                         : docWord.empty() || docWord == "身份证"   ? "id_card"
                         : docWord == "其他" || docWord == "other"  ? "other"
                                                                    : "?";
    Person person;
    try {
      person = parsePerson(idType, cell(r, "身份证号"), std::nullopt);
    } catch (const Problem& e) {
      fail(r, idType == "?" ? "证件类型" : "身份证号",
           e.errors.empty() ? e.what() : "身份证号无效（" + e.errors[0].code + "）");
      continue;
    } catch (...) {
      fail(r, "身份证号", "身份证号无效");
      continue;
    }
    std::string phone = cell(r, "手机");
    if (!phone.empty() && !idnum::isValidMobile(phone)) {
      fail(r, "手机", "手机号格式不正确");
      continue;
    }
    const Vaccine* v = nullptr;
    std::string code = cell(r, "疫苗编号"), vname = cell(r, "疫苗名称");
    for (const auto& x : vaccines)
      if ((!code.empty() && x.code == code) || (code.empty() && !vname.empty() && x.name == vname))
        v = &x;
    bool named = !code.empty() || !vname.empty();
    if (slot) {
      if ((named && !v) || (v && v->id != slot->vaccineId)) {
        fail(r, code.empty() ? "疫苗名称" : "疫苗编号", v ? "疫苗与所选号源不一致" : "疫苗不存在");
        continue;
      }
      for (const auto& x : vaccines)
        if (x.id == slot->vaccineId) v = &x;
    }
    if (!v) {
      fail(r, code.empty() ? "疫苗名称" : "疫苗编号", "疫苗不存在");
      continue;
    }
    int dose = doseOf(cell(r, "针数"));
    if (dose < 1 || dose > v->doses) {
      fail(r, "针数", "针数应为 1 到 " + std::to_string(v->doses));
      continue;
    }
    auto g = grids.find(cell(r, "所属网格"));
    if (g == grids.end()) {
      fail(r, "所属网格", "网格名称与系统中的网格不一致");
      continue;
    }
    if (g->second.size() > 1) {
      fail(r, "所属网格", "该地区有多个同名网格，请按街道分别导入");
      continue;
    }
    std::string date;
    if (kind == "history") {
      date = cell(r, "接种日期");
      if (date.size() > 10) date = date.substr(0, 10);
      for (auto& c : date)
        if (c == '/' || c == '.') c = '-';
      if (!rules::dayStart(date) || date > today) {
        fail(r, "接种日期", "接种日期无效（YYYY-MM-DD，且不晚于今天）");
        continue;
      }
    } else if (ageOf(person, slot->day) < st.minAge) {
      fail(r, "身份证号", "未满 " + std::to_string(st.minAge) + " 周岁");
      continue;
    }
    std::string hash = personKey(app, person.idNumber);
    std::string key = hash + ":" + std::to_string(v->id) + ":" + std::to_string(dose);
    if (!seen.insert(key).second) {
      fail(r, "身份证号", "重复：文件中已有相同身份证号、疫苗和针数", true);
      continue;
    }
    if (repo::activeExists(sql, hash, v->id, dose)) {
      fail(r, "身份证号", "重复：系统中已有相同身份证号、疫苗和针数", true);
      continue;
    }
    const region::Node& grid = g->second.front();
    Booking b;
    b.code = newBookingCode();
    b.vaccineId = v->id;
    b.doseNo = dose;
    b.streetId = grid.parentId;
    b.gridId = grid.id;
    b.regionPath = grid.path;
    b.name = name;
    setIdentity(b, app, person, hash);
    setPhone(b, app, phone);
    b.status = "booked";
    b.createdAt = b.updatedAt = now;
    if (kind == "history") {
      b.type = "personal";
      b.source = "history";
      b.day = date;
      b.startsAt = b.endsAt = *rules::dayStart(date);
      b.vaccinatedAt = b.checkedInAt = *rules::dayStart(date) + 9 * rules::kHour;
      b.lotNo = cell(r, "批号");
    } else {
      if (!repo::takePlace(sql, slot->id, now)) {
        fail(r, "针数", "号源名额已满");
        continue;
      }
      b.type = slot->type;
      b.source = "import";
      b.slotId = slot->id;
      b.siteId = slot->siteId;
      b.day = slot->day;
      b.startMin = slot->startMin;
      b.endMin = slot->endMin;
      b.startsAt = slot->startsAt;
      b.endsAt = slot->endsAt;
      b.releaseAt = rules::releaseAt(now, slot->startsAt, st.releaseMinutes(slot->type));
      b.remindAt = rules::remindAt(now, slot->day);
    }
    // Written as soon as it is valid: a 100,000-row file never sits in memory twice.
    repo::insertBooking(sql, b, false);
    auto& gb = gridBumps[{b.gridId, b.vaccineId, b.doseNo}];
    gb.first += 1;
    gb.second += b.vaccinatedAt ? 1 : 0;
    auto& db = dayBumps[{b.streetId, b.vaccinatedAt ? b.day : today}];
    (b.vaccinatedAt ? db.second : db.first) += 1;
    ++imported;
  }

  // All good rows are in the request's own transaction: a crash leaves none of them.
  for (auto& [k, v] : gridBumps)
    repo::bumpGrid(sql, std::get<0>(k), std::get<1>(k), std::get<2>(k), v.first, v.second);
  for (auto& [k, v] : dayBumps) repo::bumpDay(sql, k.first, k.second, v.first, v.second, 0);
  json result = {{"total", rows.size() - 1}, {"imported", imported}, {"skipped", skipped},
                 {"failed", failed},         {"errors", errors},     {"kind", kind}};
  audit::record(sql, a,
                {"import",
                 "vax_booking",
                 0,
                 region.path,
                 "批量导入 " + filename + "：导入 " + std::to_string(imported) + " 行，跳过 " +
                     std::to_string(skipped) + " 行，失败 " + std::to_string(failed) + " 行",
                 nullptr,
                 {{"total", rows.size() - 1},
                  {"imported", imported},
                  {"skipped", skipped},
                  {"failed", failed}}});
  return result;
}

std::string exportBookings(soci::session& sql, AppContext& app, const Principal& p, const Actor& a,
                           const repo::BookingFilter& f) {
  bool clear = p.has("pii:id:reveal");
  // Recorded before the file is built, on this request's connection: an export that fails
  // halfway is still on record.
  audit::record(sql, a,
                {"export", "vax_booking", 0, f.path,
                 clear ? "导出预约记录（含完整身份证号和手机号）" : "导出预约记录（脱敏）", nullptr,
                 nullptr});
  xlsx::Writer w(app.dataDir, "预约记录");
  w.header({"序号", "编号",     "类型",     "姓名",     "身份证号", "手机",     "疫苗名称",
            "针数", "预约日期", "具体时间", "接种地点", "地区",     "所属网格", "状态",
            "登记", "接种",     "接种时间", "批号",     "接种人员", "来源",     "预约提交时间"});
  long long n = 0;
  auto time = [](std::optional<int64_t> ms) {
    if (!ms) return std::string();
    int64_t local = *ms + rules::kZoneOffset;
    int minutes =
        static_cast<int>((local % rules::kDay + rules::kDay) % rules::kDay / rules::kMinute);
    return rules::localDay(*ms) + " " + rules::hm(minutes);
  };
  repo::eachBooking(sql, f, [&](const Booking& b) {
    std::string status = b.active() ? "成功" : b.cancelBy == "system" ? "取消（智能释放）" : "取消";
    w.row({std::to_string(++n),
           b.code,
           typeName(b.type),
           b.name,
           clear ? app.vault.open(b.idEnc) : b.idMask,
           clear && !b.phoneEnc.empty() ? app.vault.open(b.phoneEnc) : b.phoneMask,
           b.vaccineName,
           "第" + std::to_string(b.doseNo) + "针",
           b.day,
           b.slotId ? rules::hm(b.startMin) + "-" + rules::hm(b.endMin) : "",
           b.siteName,
           b.streetName,
           b.gridName,
           status,
           b.checkedInAt ? "已登记" : "未登记",
           b.vaccinatedAt ? "已接种" : "未接种",
           time(b.vaccinatedAt),
           b.lotNo,
           b.vaccinator,
           b.source == "history"  ? "历史导入"
           : b.source == "import" ? "批量导入"
                                  : "在线预约",
           time(b.createdAt)});
  });
  return w.finishToFile();
}

}  // namespace fy::vax
