// Site staff on a phone (V12, V13): name + pass code, limited to their own site.
#include "app/context.h"
#include "common/clock.h"
#include "common/crypto.h"
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

constexpr int64_t kStaffSessionMs = 12 * rules::kHour;

struct StaffUser {
  Staff staff;
  Site site;
  int64_t sessionId = 0;
  std::string csrf;
  Actor actor;
};

StaffUser staffUser(Ctx& c, bool write) {
  auto it = c.req.cookies.find("fy_staff");
  if (it == c.req.cookies.end() || it->second.empty() || it->second.size() > 100)
    throw Problem(401, "unauthenticated", "sign in with your name and pass code");
  auto s = repo::staffSession(c.sql, crypto::tokenHash(it->second));
  if (!s || s->expiresAt < Clock::nowMs())
    throw Problem(401, "unauthenticated", "the session has expired; sign in again");
  if (write && (c.req.csrfHeader.empty() || c.req.csrfHeader != s->csrf))
    throw Problem(403, "csrf_failed", "missing or wrong X-CSRF-Token header");
  auto staff = repo::staffById(c.sql, s->staffId);
  auto site = staff ? repo::site(c.sql, staff->siteId) : std::nullopt;
  if (!staff || !staff->enabled || !site || !site->enabled)
    throw Problem(401, "unauthenticated", "this pass code is no longer valid");
  return {
      *staff, *site, s->id, s->csrf,
      Actor{0, "核销人员 " + staff->name + "（" + site->name + "）", c.req.ip, c.req.requestId}};
}

json meJson(const Staff& s, const Site& site) {
  return {{"staff", {{"id", s.id}, {"name", s.name}}},
          {"site",
           {{"id", site.id},
            {"name", site.name},
            {"address", site.address},
            {"streetName", site.streetName}}}};
}

Booking siteBooking(Ctx& c, const StaffUser& u) {
  auto b = repo::booking(c.sql, c.id());
  if (!b || b->siteId != u.site.id) throw Problem::notFound("booking");
  return *b;
}

std::string cookie(const std::string& token, int64_t maxAgeMs) {
  return "fy_staff=" + token +
         "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(maxAgeMs / 1000);
}

}  // namespace

void registerSiteRoutes(http::Routes& routes) {
  const std::string base = "/api/v1/site";
  const std::string id = "/:id(\\d+)";

  routes.post(base + "/login", http::kPublic, [](Ctx& c) {
    auto body = c.body();
    http::JsonIn in(body);
    std::string name = in.str("name", {.max = 30});
    std::string passcode = in.str("passcode", {.max = 20});
    in.done();
    auto staff = repo::staffByPasscode(c.sql, crypto::tokenHash(passcode));
    auto site = staff ? repo::site(c.sql, staff->siteId) : std::nullopt;
    if (!staff || staff->name != name || !staff->enabled || !site || !site->enabled)
      throw Problem(401, "invalid_credentials", "the name or pass code is wrong");
    std::string token = crypto::randomToken(), csrf = crypto::randomToken(16);
    int64_t now = Clock::nowMs();
    repo::insertStaffSession(c.sql, staff->id, crypto::tokenHash(token), csrf, now,
                             now + kStaffSessionMs);
    json j = meJson(*staff, *site);
    j["csrfToken"] = csrf;
    Response r = Response::ok(j);
    r.headers.push_back({"Set-Cookie", cookie(token, kStaffSessionMs)});
    return r;
  });

  routes.post(base + "/logout", http::kPublic, [](Ctx& c) {
    auto u = staffUser(c, true);
    repo::deleteStaffSession(c.sql, u.sessionId);
    Response r = Response::noContent();
    r.headers.push_back({"Set-Cookie", cookie("", 0)});
    return r;
  });

  routes.get(base + "/me", http::kPublic, [](Ctx& c) {
    auto u = staffUser(c, false);
    json j = meJson(u.staff, u.site);
    j["csrfToken"] = u.csrf;  // a new tab with a live cookie can go on working
    return Response::ok(j);
  });

  routes.add({"POST", base + "/bookings/search", http::kPublic, http::Kind::Read, [](Ctx& c) {
                auto u = staffUser(c, true);
                auto body = c.body();
                http::JsonIn in(body);
                auto code = in.optStr("code", {.max = 24});
                auto shortCode = in.optStr("short", {.min = 4, .max = 6});
                auto idNumber = in.optStr("idNumber", {.max = 30});
                int given = (code ? 1 : 0) + (shortCode ? 1 : 0) + (idNumber ? 1 : 0);
                if (given != 1)
                  in.fail("short", "required", "give exactly one of code, short or idNumber");
                in.done();
                repo::BookingFilter m;
                if (code) m.code = *code;
                if (shortCode || idNumber) {
                  auto k = matchKeyword(c.app, shortCode ? *shortCode : *idNumber);
                  if (shortCode && !k.idTailRev)
                    throw Problem::invalidField("short", "invalid", "4–6 letters or digits");
                  m.idTailRev = k.idTailRev;
                  m.idHash = k.idHash;
                  if (idNumber && !k.idHash)
                    throw Problem::invalidField("idNumber", "invalid", "a full ID number");
                }
                int64_t now = Clock::nowMs();
                json items = json::array();
                for (const auto& b : repo::siteBookings(c.sql, u.site.id, m))
                  items.push_back(adminJson(b, now));
                return Response::ok({{"items", items}});
              }});

  routes.post(base + "/bookings" + id + "/checkin", http::kPublic, [](Ctx& c) {
    auto u = staffUser(c, true);
    return Response::ok(
        adminJson(checkIn(c.sql, u.actor, siteBooking(c, u), true), Clock::nowMs()));
  });

  routes.post(base + "/bookings" + id + "/vaccinate", http::kPublic, [](Ctx& c) {
    auto u = staffUser(c, true);
    Booking b = siteBooking(c, u);
    auto body = c.body();
    http::JsonIn in(body);
    Vaccination v;
    v.lotNo = in.str("lotNo", {.max = 50});
    v.vaccinator = in.str("vaccinator", {.max = 50});
    v.at = in.optInt("vaccinatedAt", 0, INT64_MAX);
    in.done();
    return Response::ok(adminJson(vaccinate(c.sql, u.actor, b, v, true), Clock::nowMs()));
  });

  routes.post(base + "/bookings" + id + "/not-vaccinated", http::kPublic, [](Ctx& c) {
    auto u = staffUser(c, true);
    Booking b = siteBooking(c, u);
    auto body = c.body();
    http::JsonIn in(body);
    std::string reason = in.str("reason", {.max = 20});
    if (reason != "contraindication" && reason != "refused" && reason != "absent" &&
        reason != "other")
      in.fail("reason", "invalid_value", "contraindication, refused, absent or other");
    std::string note = in.optStr("note", {.max = 200}).value_or("");
    in.done();
    return Response::ok(adminJson(notVaccinated(c.sql, u.actor, b, reason, note), Clock::nowMs()));
  });
}

}  // namespace fy::vax
