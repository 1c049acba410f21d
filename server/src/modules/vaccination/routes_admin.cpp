// Back-office routes of vaccination: parse, call the service, serialize.
#include <malloc.h>

#include <ctime>

#include "app/context.h"
#include "common/clock.h"
#include "http/api.h"
#include "http/json_in.h"
#include "modules/vaccination/internal.h"
#include "modules/vaccination/repo.h"
#include "modules/vaccination/rules.h"
#include "modules/vaccination/service.h"

namespace fy::vax {

namespace {

using http::Ctx;
using http::Response;

const char* kXlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

std::optional<std::string> queryEnum(Ctx& c, const std::string& name,
                                     std::initializer_list<const char*> allowed) {
  auto v = c.query(name);
  if (!v) return v;
  for (const char* a : allowed)
    if (*v == a) return v;
  throw Problem(400, "invalid_query", name + " has an unknown value",
                {{name, "invalid_value", "unknown value"}});
}

std::string scopePath(Ctx& c) {
  auto id = c.queryInt("regionId");
  if (!id) return c.user().regionPath;
  return region::findInScope(c.sql, c.user(), *id).path;
}

Response file(std::string bytes, const std::string& type, const std::string& name) {
  Response r;
  r.contentType = type;
  r.body = std::move(bytes);
  r.headers.push_back({"Content-Disposition", "attachment; filename=\"" + name + "\""});
  return r;
}

std::string stamp() {
  std::string d = rules::localDay(Clock::nowMs());
  d.erase(std::remove(d.begin(), d.end(), '-'), d.end());
  return d;
}

json page(const json& items, long long total) { return {{"items", items}, {"total", total}}; }

Vaccine parseVaccine(http::JsonIn& in) {
  Vaccine v;
  v.name = in.str("name", {.max = 100});
  v.code = in.str("code", {.max = 40});
  v.nameEn = in.optStr("nameEn", {.max = 150}).value_or("");
  v.manufacturer = in.optStr("manufacturer", {.max = 100}).value_or("");
  v.doses = static_cast<int>(in.integer("doses", 1, 5));
  v.sortOrder = static_cast<int>(in.optInt("sortOrder", -1000, 1000).value_or(0));
  v.enabled = in.optBool("enabled").value_or(true);
  return v;
}

std::vector<DoseRule> parseRules(const json& body, http::JsonIn& in) {
  std::vector<DoseRule> out;
  if (!body.contains("rules") || body["rules"].is_null()) return out;
  if (!body["rules"].is_array() || body["rules"].size() > 5) {
    in.fail("rules", "invalid", "a list of at most 5 rules");
    return out;
  }
  for (const auto& r : body["rules"]) {
    http::JsonIn ri(r);
    if (!r.is_object()) {
      in.fail("rules", "invalid", "each rule is an object");
      continue;
    }
    DoseRule d;
    auto dose = ri.optInt("doseNo", 2, 5);
    auto min = ri.optInt("minDays", 0, 3650);
    auto max = ri.optInt("maxDaysFromFirst", 1, 3650);
    if (!ri.ok() || !dose || !min) {
      in.fail("rules", "invalid", "each rule needs doseNo (2–5) and minDays (0–3650)");
      continue;
    }
    d.doseNo = static_cast<int>(*dose);
    d.minDays = static_cast<int>(*min);
    if (max) d.maxDaysFromFirst = static_cast<int>(*max);
    out.push_back(d);
  }
  return out;
}

SlotInput parseSlot(http::JsonIn& in) {
  SlotInput s;
  s.type = in.str("type", {.max = 10});
  if (s.type != "personal" && s.type != "group" && s.type != "foreign")
    in.fail("type", "invalid_value", "personal, group or foreign");
  s.vaccineId = in.integer("vaccineId", 1, INT64_MAX);
  s.siteId = in.integer("siteId", 1, INT64_MAX);
  s.day = in.str("date", {.max = 10});
  if (!s.day.empty() && !rules::dayStart(s.day)) in.fail("date", "invalid_date", "YYYY-MM-DD");
  std::string start = in.str("startTime", {.max = 5}), end = in.str("endTime", {.max = 5});
  auto sm = rules::parseHm(start), em = rules::parseHm(end);
  if (!start.empty() && !sm) in.fail("startTime", "invalid_time", "HH:MM");
  if (!end.empty() && !em) in.fail("endTime", "invalid_time", "HH:MM");
  s.startMin = sm.value_or(0);
  s.endMin = em.value_or(0);
  s.quota = static_cast<int>(in.integer("quota", 1, 1'000'000));
  s.remark = in.optStr("remark", {.max = 255}).value_or("");
  s.enabled = in.optBool("enabled").value_or(true);
  s.captcha = in.optBool("captcha").value_or(false);
  return s;
}

repo::BookingFilter bookingFilter(Ctx& c) {
  repo::BookingFilter f;
  f.path = scopePath(c);
  if (auto kw = c.query("keyword")) {
    auto m = matchKeyword(c.app, *kw);
    f.name = m.name;
    f.code = m.code;
    f.idHash = m.idHash;
    f.idTailRev = m.idTailRev;
    f.phoneHash = m.phoneHash;
  }
  f.type = queryEnum(c, "type", {"personal", "group", "foreign"});
  f.status = queryEnum(c, "status", {"booked", "cancelled"});
  f.vaccineId = c.queryInt("vaccineId");
  f.slotId = c.queryInt("slotId");
  f.siteId = c.queryInt("siteId");
  if (auto d = c.queryInt("doseNo")) {
    if (*d < 1 || *d > 5)
      throw Problem(400, "invalid_query", "doseNo must be 1–5",
                    {{"doseNo", "out_of_range", "1–5"}});
    f.doseNo = static_cast<int>(*d);
  }
  f.checkedIn = c.queryBool("checkedIn");
  f.vaccinated = c.queryBool("vaccinated");
  f.from = c.queryDate("from", false);
  f.to = c.queryDate("to", true);
  return f;
}

}  // namespace

void registerAdminRoutes(http::Routes& routes) {
  const std::string base = "/api/v1/vaccination";
  const std::string id = "/:id(\\d+)";

  // ---- settings
  routes.get(base + "/settings", http::kSignedIn,
             [](Ctx& c) { return Response::ok(toJson(loadSettings(c.sql))); });
  routes.put(base + "/settings", "vax:setting:update", [](Ctx& c) {
    auto body = c.body();
    http::JsonIn in(body);
    Settings s;
    auto target = body.contains("coverageTarget") ? body["coverageTarget"] : json();
    if (!target.is_number() || target.get<double>() <= 0 || target.get<double>() > 1)
      in.fail("coverageTarget", "out_of_range", "a number above 0 and at most 1");
    else
      s.coverageTarget = target.get<double>();
    s.minAge = static_cast<int>(in.integer("minAge", 0, 120));
    s.maxAge = static_cast<int>(in.integer("maxAge", 0, 150));
    if (s.maxAge < s.minAge) in.fail("maxAge", "below_min", "must not be below minAge");
    json rel = body.contains("releaseMinutes") ? body["releaseMinutes"] : json();
    if (!rel.is_object()) {
      in.fail("releaseMinutes", "required", "an object {personal, group, foreign}");
    } else {
      http::JsonIn ri(rel);
      s.releasePersonal = static_cast<int>(ri.integer("personal", 0, 1440));
      s.releaseGroup = static_cast<int>(ri.integer("group", 0, 1440));
      s.releaseForeign = static_cast<int>(ri.integer("foreign", 0, 1440));
      if (!ri.ok()) in.fail("releaseMinutes", "invalid", "each of personal, group, foreign 0–1440");
    }
    s.notice = in.str("notice", {.max = 5000});
    s.noticeEn = in.optStr("noticeEn", {.max = 5000}).value_or("");
    in.done();
    return Response::ok(toJson(saveSettings(c.sql, c.user(), c.actor(), s)));
  });

  // ---- vaccines (V1)
  routes.get(base + "/vaccines", http::kSignedIn, [](Ctx& c) {
    json items = json::array();
    auto enabled = c.queryBool("enabled");
    for (const auto& v : repo::vaccines(c.sql, false))
      if (!enabled || v.enabled == *enabled) items.push_back(toJson(v));
    return Response::ok(page(items, static_cast<long long>(items.size())));
  });
  routes.post(base + "/vaccines", "vax:vaccine:create", [](Ctx& c) {
    auto body = c.body();
    http::JsonIn in(body);
    Vaccine v = parseVaccine(in);
    v.rules = parseRules(body, in);
    in.done();
    return Response::created(toJson(saveVaccine(c.sql, c.user(), c.actor(), v)));
  });
  routes.put(base + "/vaccines" + id, "vax:vaccine:update", [](Ctx& c) {
    requireVaccine(c.sql, c.id());
    auto body = c.body();
    http::JsonIn in(body);
    Vaccine v = parseVaccine(in);
    v.rules = parseRules(body, in);
    in.done();
    v.id = c.id();
    if (!in.has("enabled")) v.enabled = requireVaccine(c.sql, v.id).enabled;
    return Response::ok(toJson(saveVaccine(c.sql, c.user(), c.actor(), v)));
  });
  routes.post(base + "/vaccines" + id + "/status", "vax:vaccine:status", [](Ctx& c) {
    requireVaccine(c.sql, c.id());
    auto body = c.body();
    http::JsonIn in(body);
    bool on = in.boolean("enabled");
    in.done();
    return Response::ok(toJson(setVaccineEnabled(c.sql, c.user(), c.actor(), c.id(), on)));
  });

  // ---- sites (V2)
  routes.get(base + "/sites", "vax:site:list", [](Ctx& c) {
    auto pg = c.page();
    repo::SiteFilter f{scopePath(c), c.query("keyword"), c.queryBool("enabled"), pg.offset(),
                       pg.size};
    auto [sites, total] = repo::sites(c.sql, f);
    json items = json::array();
    for (const auto& s : sites) items.push_back(toJson(s));
    return Response::ok(page(items, total));
  });
  auto parseSite = [](http::JsonIn& in) {
    SiteInput s;
    s.streetId = in.integer("streetId", 1, INT64_MAX);
    s.name = in.str("name", {.max = 60});
    s.address = in.optStr("address", {.max = 200}).value_or("");
    s.enabled = in.optBool("enabled").value_or(true);
    return s;
  };
  routes.post(base + "/sites", "vax:site:create", [parseSite](Ctx& c) {
    auto body = c.body();
    http::JsonIn in(body);
    SiteInput s = parseSite(in);
    in.done();
    return Response::created(toJson(saveSite(c.sql, c.user(), c.actor(), 0, s)));
  });
  routes.put(base + "/sites" + id, "vax:site:update", [parseSite](Ctx& c) {
    siteInScope(c.sql, c.user(), c.id());
    auto body = c.body();
    http::JsonIn in(body);
    SiteInput s = parseSite(in);
    in.done();
    return Response::ok(toJson(saveSite(c.sql, c.user(), c.actor(), c.id(), s)));
  });
  routes.post(base + "/sites" + id + "/status", "vax:site:status", [](Ctx& c) {
    siteInScope(c.sql, c.user(), c.id());
    auto body = c.body();
    http::JsonIn in(body);
    bool on = in.boolean("enabled");
    in.done();
    return Response::ok(toJson(setSiteEnabled(c.sql, c.user(), c.actor(), c.id(), on)));
  });

  // ---- site staff (核销人员授权, V12)
  routes.get(base + "/staff", "vax:staff:list", [](Ctx& c) {
    auto pg = c.page();
    repo::StaffFilter f{scopePath(c), c.queryInt("siteId"), pg.offset(), pg.size};
    if (f.siteId) siteInScope(c.sql, c.user(), *f.siteId);
    auto [rows, total] = repo::staff(c.sql, f);
    json items = json::array();
    for (const auto& s : rows) items.push_back(toJson(s));
    return Response::ok(page(items, total));
  });
  auto issued = [](const IssuedStaff& s) {
    json j = toJson(s.staff);
    j["passcode"] = s.passcode;
    return j;
  };
  routes.post(base + "/staff", "vax:staff:create", [issued](Ctx& c) {
    auto body = c.body();
    http::JsonIn in(body);
    int64_t siteId = in.integer("siteId", 1, INT64_MAX);
    std::string name = in.str("name", {.max = 30});
    in.done();
    return Response::created(issued(createStaff(c.sql, c.user(), c.actor(), siteId, name)));
  });
  routes.post(base + "/staff" + id + "/passcode", "vax:staff:passcode", [issued](Ctx& c) {
    return Response::ok(issued(resetPasscode(c.sql, c.user(), c.actor(), c.id())));
  });
  routes.post(base + "/staff" + id + "/status", "vax:staff:status", [](Ctx& c) {
    staffInScope(c.sql, c.user(), c.id());
    auto body = c.body();
    http::JsonIn in(body);
    bool on = in.boolean("enabled");
    in.done();
    return Response::ok(toJson(setStaffEnabled(c.sql, c.user(), c.actor(), c.id(), on)));
  });

  // ---- slots (V3)
  routes.get(base + "/slots", "vax:slot:list", [](Ctx& c) {
    auto pg = c.page();
    repo::SlotFilter f;
    f.path = scopePath(c);
    f.type = queryEnum(c, "type", {"personal", "group", "foreign"});
    f.status = queryEnum(c, "status", {"enabled", "locked", "online", "expired"});
    f.vaccineId = c.queryInt("vaccineId");
    f.siteId = c.queryInt("siteId");
    if (auto d = c.query("date")) {
      if (!rules::dayStart(*d))
        throw Problem(400, "invalid_query", "date must be YYYY-MM-DD",
                      {{"date", "not_date", "YYYY-MM-DD"}});
      f.day = d;
    }
    f.now = Clock::nowMs();
    f.offset = pg.offset();
    f.limit = pg.size;
    auto [rows, total] = repo::slots(c.sql, f);
    json items = json::array();
    for (const auto& s : rows) items.push_back(toJson(s, f.now));
    return Response::ok(page(items, total));
  });
  routes.get(base + "/slots" + id, "vax:slot:list", [](Ctx& c) {
    return Response::ok(toJson(slotInScope(c.sql, c.user(), c.id()), Clock::nowMs()));
  });
  routes.post(base + "/slots", "vax:slot:create", [](Ctx& c) {
    auto body = c.body();
    http::JsonIn in(body);
    SlotInput s = parseSlot(in);
    in.done();
    return Response::created(toJson(saveSlot(c.sql, c.user(), c.actor(), 0, s), Clock::nowMs()));
  });
  routes.put(base + "/slots" + id, "vax:slot:update", [](Ctx& c) {
    slotInScope(c.sql, c.user(), c.id());
    auto body = c.body();
    http::JsonIn in(body);
    SlotInput s = parseSlot(in);
    in.done();
    return Response::ok(toJson(saveSlot(c.sql, c.user(), c.actor(), c.id(), s), Clock::nowMs()));
  });
  routes.post(base + "/slots" + id + "/lock", "vax:slot:status", [](Ctx& c) {
    return Response::ok(toJson(lockSlot(c.sql, c.user(), c.actor(), c.id(), true), Clock::nowMs()));
  });
  routes.post(base + "/slots" + id + "/release", "vax:slot:status", [](Ctx& c) {
    return Response::ok(
        toJson(lockSlot(c.sql, c.user(), c.actor(), c.id(), false), Clock::nowMs()));
  });
  routes.post(base + "/slots" + id + "/quota", "vax:slot:quota", [](Ctx& c) {
    slotInScope(c.sql, c.user(), c.id());
    auto body = c.body();
    http::JsonIn in(body);
    int add = static_cast<int>(in.integer("add", 1, 100'000));
    in.done();
    return Response::ok(toJson(addQuota(c.sql, c.user(), c.actor(), c.id(), add), Clock::nowMs()));
  });

  // ---- links (V4, V5, X9)
  routes.get(base + "/links", "vax:link:list", [](Ctx& c) {
    const auto& u = c.user();
    auto groups = repo::groupTokens(c.sql);
    json items = json::array();
    for (const auto& n : region::subtree(c.sql, u.regionPath)) {
      if (n.level != region::kDistrict && n.level != region::kStreet) continue;
      json row = {{"regionId", n.id},
                  {"parentId", n.parentId},
                  {"name", n.name},
                  {"level", n.level},
                  {"population", n.population},
                  {"enabled", n.enabled},
                  {"token", n.linkToken},
                  {"url", linkUrl(c.app, n.linkToken)},
                  {"groupToken", nullptr},
                  {"groupUrl", nullptr}};
      if (auto g = groups.find(n.id); g != groups.end()) {
        row["groupToken"] = g->second;
        row["groupUrl"] = linkUrl(c.app, g->second);
      }
      items.push_back(row);
    }
    return Response::ok(page(items, static_cast<long long>(items.size())));
  });
  routes.post(base + "/links" + id + "/group-token", "vax:link:rotate", [](Ctx& c) {
    std::string token = rotateGroupToken(c.sql, c.user(), c.actor(), c.id());
    return Response::ok(
        {{"regionId", c.id()}, {"groupToken", token}, {"groupUrl", linkUrl(c.app, token)}});
  });

  // ---- bookings (V9)
  routes.get(base + "/bookings", "vax:booking:list", [](Ctx& c) {
    auto pg = c.page();
    auto f = bookingFilter(c);
    f.offset = pg.offset();
    f.limit = pg.size;
    auto [rows, total] = repo::bookings(c.sql, f);
    int64_t now = Clock::nowMs();
    json items = json::array();
    for (const auto& b : rows) items.push_back(adminJson(b, now));
    json out = page(items, total);
    out["totalCapped"] = total >= repo::kCountCap;
    return Response::ok(out);
  });
  routes.get(base + "/bookings/export", "vax:booking:export", [](Ctx& c) {
    auto f = bookingFilter(c);
    Response r = file("", kXlsx, "bookings-" + stamp() + ".xlsx");
    r.bodyFile = exportBookings(c.sql, c.app, c.user(), c.actor(), f);
    malloc_trim(0);  // hand the pages of the build back to the system
    return r;
  });
  routes.get(base + "/bookings" + id, "vax:booking:list", [](Ctx& c) {
    return Response::ok(adminJson(bookingInScope(c.sql, c.user(), c.id()), Clock::nowMs()));
  });
  routes.post(base + "/bookings" + id + "/reveal", "pii:id:reveal", [](Ctx& c) {
    return Response::ok(reveal(c.sql, c.app, c.user(), c.actor(), c.id()));
  });
  routes.put(base + "/bookings" + id, "vax:booking:update", [](Ctx& c) {
    bookingInScope(c.sql, c.user(), c.id());
    auto body = c.body();
    http::JsonIn in(body);
    PersonEdit e;
    e.name = in.str("name", {.max = 60});
    e.phone = in.optStr("phone", {.max = 20});
    e.gridId = in.integer("gridId", 1, INT64_MAX);
    in.done();
    return Response::ok(
        adminJson(adminUpdate(c.sql, c.app, c.user(), c.actor(), c.id(), e), Clock::nowMs()));
  });
  routes.post(base + "/bookings" + id + "/grid", "vax:booking:grid", [](Ctx& c) {
    bookingInScope(c.sql, c.user(), c.id());
    auto body = c.body();
    http::JsonIn in(body);
    int64_t grid = in.integer("gridId", 1, INT64_MAX);
    in.done();
    return Response::ok(
        adminJson(adminChangeGrid(c.sql, c.user(), c.actor(), c.id(), grid), Clock::nowMs()));
  });
  routes.post(base + "/bookings" + id + "/cancel", "vax:booking:cancel", [](Ctx& c) {
    bookingInScope(c.sql, c.user(), c.id());
    std::string reason;
    if (!c.req.body.empty()) {
      auto body = c.body();
      http::JsonIn in(body);
      reason = in.optStr("reason", {.max = 200}).value_or("");
      in.done();
    }
    return Response::ok(
        adminJson(adminCancel(c.sql, c.app, c.user(), c.actor(), c.id(), reason), Clock::nowMs()));
  });
  routes.post(base + "/bookings" + id + "/checkin", "vax:booking:checkin", [](Ctx& c) {
    Booking b = bookingInScope(c.sql, c.user(), c.id());
    return Response::ok(adminJson(checkIn(c.sql, c.actor(), b, false), Clock::nowMs()));
  });
  routes.post(base + "/bookings" + id + "/vaccinate", "vax:booking:vaccinate", [](Ctx& c) {
    Booking b = bookingInScope(c.sql, c.user(), c.id());
    auto body = c.body();
    http::JsonIn in(body);
    Vaccination v;
    v.lotNo = in.str("lotNo", {.max = 50});
    v.vaccinator = in.str("vaccinator", {.max = 50});
    v.at = in.optInt("vaccinatedAt", 0, INT64_MAX);
    in.done();
    return Response::ok(adminJson(vaccinate(c.sql, c.actor(), b, v, false), Clock::nowMs()));
  });
  routes.post(base + "/bookings" + id + "/not-vaccinated", "vax:booking:vaccinate", [](Ctx& c) {
    Booking b = bookingInScope(c.sql, c.user(), c.id());
    auto body = c.body();
    http::JsonIn in(body);
    std::string reason = in.str("reason", {.max = 20});
    if (reason != "contraindication" && reason != "refused" && reason != "absent" &&
        reason != "other")
      in.fail("reason", "invalid_value", "contraindication, refused, absent or other");
    std::string note = in.optStr("note", {.max = 200}).value_or("");
    in.done();
    return Response::ok(
        adminJson(notVaccinated(c.sql, c.actor(), b, reason, note), Clock::nowMs()));
  });

  // ---- import (V11, X8)
  routes.get(base + "/imports/template", "vax:booking:import", [](Ctx& c) {
    auto kind = queryEnum(c, "kind", {"booking", "history"}).value_or("booking");
    bool asXlsx = queryEnum(c, "format", {"xlsx", "csv"}).value_or("xlsx") == "xlsx";
    return file(importTemplate(c.app, kind, asXlsx), asXlsx ? kXlsx : "text/csv; charset=utf-8",
                "import-" + kind + (asXlsx ? ".xlsx" : ".csv"));
  });
  routes
      .add({"POST", base + "/imports", "vax:booking:import", http::Kind::Write,
            [](Ctx& c) {
              auto kind = queryEnum(c, "kind", {"booking", "history"});
              if (!kind)
                throw Problem(400, "invalid_query", "kind is required",
                              {{"kind", "required", "booking or history"}});
              if (c.req.body.empty())
                throw Problem(422, "invalid_file", "the upload is empty",
                              {{"file", "empty", "send the file as the request body"}});
              json result = importFile(c.sql, c.app, c.user(), c.actor(), *kind,
                                       c.queryInt("regionId").value_or(0), c.queryInt("slotId"),
                                       c.query("filename").value_or("upload"), c.req.body);
              malloc_trim(0);  // a large file's rows are gone; give their pages back
              return Response::ok(result);
            }})
      .maxBody = 32 * 1024 * 1024;

  // ---- statistics (V14, V15, X10)
  routes.get(base + "/stats/regions", "vax:stat:region", [](Ctx& c) {
    return Response::ok(regionStats(c.sql, c.user(), c.queryInt("regionId").value_or(0), false));
  });
  routes.get(base + "/stats/grids", "vax:stat:grid", [](Ctx& c) {
    return Response::ok(regionStats(c.sql, c.user(), c.queryInt("regionId").value_or(0), true));
  });
  for (bool grids : {false, true}) {
    routes.get(
        base + (grids ? "/stats/grids/export" : "/stats/regions/export"), "vax:stat:export",
        [grids](Ctx& c) {
          if (!c.user().has(grids ? "vax:stat:grid" : "vax:stat:region"))
            throw Problem::forbidden("forbidden", "this needs the statistics permission");
          auto stats = regionStats(c.sql, c.user(), c.queryInt("regionId").value_or(0), grids);
          return file(statsXlsx(c.app, stats, grids), kXlsx,
                      std::string(grids ? "grid" : "region") + "-stats-" + stamp() + ".xlsx");
        });
  }
  routes.get(base + "/stats/board", "vax:stat:board", [](Ctx& c) {
    return Response::ok(board(c.sql, c.user(), c.queryInt("regionId").value_or(0)));
  });
  routes.get(base + "/stats/summary", http::kSignedIn,
             [](Ctx& c) { return Response::ok(summary(c.sql, c.user())); });
}

}  // namespace fy::vax
