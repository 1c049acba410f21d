// Citizen routes (V4–V8): no sign-in; what they reveal is bounded by what the caller proves.
#include <cctype>
#include <charconv>

#include "app/context.h"
#include "common/clock.h"
#include "common/qr.h"
#include "http/api.h"
#include "http/json_in.h"
#include "modules/vaccination/engine.h"
#include "modules/vaccination/internal.h"
#include "modules/vaccination/repo.h"
#include "modules/vaccination/rules.h"
#include "modules/vaccination/service.h"

namespace fy::vax {

namespace {

using http::Ctx;
using http::Response;

Link requireLink(Ctx& c, const std::string& token) {
  auto link = resolveLink(c.sql, token);
  if (!link) throw Problem(404, "link_not_found", "this booking link does not exist");
  return *link;
}

void limitAddress(AppContext& app, const std::string& ip) {
  if (int wait = app.perIp->take(ip)) throw Problem::tooMany(wait, "from this address");
}

// Returns the person's key (blind index), which the booking needs too.
std::string limitPerson(AppContext& app, std::string idNumber) {
  for (auto& ch : idNumber) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  std::string key = personKey(app, idNumber);
  if (int wait = app.perIdNumber->take(key)) throw Problem::tooMany(wait, "for this ID number");
  return key;
}

// The slotId of a booking body without parsing it all: enough to answer a sold-out slot.
std::optional<int64_t> peekSlotId(std::string_view body) {
  auto at = body.find("\"slotId\"");
  if (at == std::string_view::npos) return std::nullopt;
  size_t i = at + 8;
  while (i < body.size() && (body[i] == ' ' || body[i] == ':' || body[i] == '\t')) ++i;
  int64_t v = 0;
  auto [end, ec] = std::from_chars(body.data() + i, body.data() + body.size(), v);
  if (ec != std::errc() || v <= 0) return std::nullopt;
  return v;
}

bool namedOnce(std::string_view body, std::string_view quotedKey) {
  auto at = body.find(quotedKey);
  return at != std::string_view::npos && body.find(quotedKey, at + 1) == std::string_view::npos;
}

// The ID number of a booking body without parsing it all, as parsing would normalise it
// (upper case), for a keyed request on a full slot. Only when the answer is certain: the body
// names "slotId" and "idNumber" once each (a proxy's idNumber makes two) and the number is
// plain letters and digits; otherwise the body is parsed as usual.
std::optional<std::string> peekIdNumber(std::string_view body) {
  constexpr std::string_view kKey = "\"idNumber\"";
  if (!namedOnce(body, kKey) || !namedOnce(body, "\"slotId\"")) return std::nullopt;
  size_t i = body.find(kKey) + kKey.size();
  auto skipSpace = [&] {
    while (i < body.size() && (body[i] == ' ' || body[i] == '\t')) ++i;
  };
  skipSpace();
  if (i >= body.size() || body[i++] != ':') return std::nullopt;
  skipSpace();
  if (i >= body.size() || body[i++] != '"') return std::nullopt;
  std::string id;
  for (; i < body.size() && std::isalnum(static_cast<unsigned char>(body[i])); ++i)
    id += static_cast<char>(std::toupper(static_cast<unsigned char>(body[i])));
  if (id.empty() || id.size() > 30 || i >= body.size() || body[i] != '"') return std::nullopt;
  return id;
}

Response image(std::string body, const char* type) {
  Response r;
  r.contentType = type;
  r.body = std::move(body);
  return r;
}

Response qrResponse(const std::string& text, bool png) {
  return png ? image(qr::png(text, 8, 4), "image/png")
             : image(qr::svg(text, 8, 4), "image/svg+xml");
}

Person personFrom(http::JsonIn& in, bool needName) {
  std::string idType = in.optStr("idType", {.max = 10}).value_or("id_card");
  std::string idNumber = in.str("idNumber", {.max = 30});
  auto birth = in.optStr("birthDate", {.max = 10});
  std::string name = needName ? in.str("name", {.max = 60}) : "";
  std::string phone = needName ? in.str("phone", {.max = 20}) : "";
  in.done();
  Person p = parsePerson(idType, idNumber, birth);
  p.name = name;
  p.phone = phone;
  return p;
}

bool validAddress(const std::string& s) {
  // Seed 002: Chinese characters, letters and digits only (no emoji or symbols).
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (std::isalnum(c) || c == ' ') {
      ++i;
      continue;
    }
    if ((c & 0xF0) == 0xE0 && i + 2 < s.size()) {
      unsigned cp = ((c & 0x0F) << 12) | ((static_cast<unsigned char>(s[i + 1]) & 0x3F) << 6) |
                    (static_cast<unsigned char>(s[i + 2]) & 0x3F);
      if (cp >= 0x4E00 && cp <= 0x9FFF) {
        i += 3;
        continue;
      }
    }
    return false;
  }
  return true;
}

BookInput bookInput(const json& body) {
  http::JsonIn in(body);
  BookInput b;
  b.token = in.str("token", {.max = 64});
  b.slotId = in.integer("slotId", 1, INT64_MAX);
  b.doseNo = static_cast<int>(in.integer("doseNo", 1, 5));
  b.gridId = in.integer("gridId", 1, INT64_MAX);
  b.consent = in.optBool("consent").value_or(false);
  std::string address = in.optStr("address", {.max = 100}).value_or("");
  if (!validAddress(address))
    in.fail("address", "invalid_chars", "Chinese characters, letters and digits only");
  std::string nationality = in.optStr("nationality", {.max = 60}).value_or("");
  if (body.contains("proxy") && !body["proxy"].is_null()) {
    if (!body["proxy"].is_object()) {
      in.fail("proxy", "invalid", "an object {name, phone, idNumber, relation}");
    } else {
      http::JsonIn px(body["proxy"]);
      b.proxyName = px.str("name", {.max = 60});
      b.proxyPhone = px.str("phone", {.max = 20});
      b.proxyId = px.optStr("idNumber", {.max = 30}).value_or("");
      b.proxyRelation = px.optStr("relation", {.max = 20}).value_or("");
      if (!px.ok()) in.fail("proxy", "invalid", "the proxy needs a name and a phone");
    }
  }
  b.captchaId = in.optStr("captchaId", {.max = 100}).value_or("");
  b.captchaAnswer = in.optStr("captcha", {.max = 10}).value_or("");
  b.person = personFrom(in, true);
  b.person.address = address;
  b.person.nationality = nationality;
  return b;
}

json publicList(const std::vector<Booking>& all, int64_t now) {
  bool dose = std::any_of(all.begin(), all.end(), [](const Booking& b) { return b.vaccinatedAt; });
  json items = json::array();
  for (const auto& b : all) {
    json j = publicJson(b, now);
    j["canEditProfile"] = !dose && b.active();
    items.push_back(j);
  }
  return {{"items", items}};
}

}  // namespace

void registerPublicRoutes(http::Routes& routes) {
  const std::string base = "/api/v1/public/vaccination";
  const std::string token = "/:token([A-Za-z0-9_-]{1,64})";
  const std::string code = "/:code(\\d{1,24})";

  routes.get(base + "/links" + token, http::kPublic, [](Ctx& c) {
    Link link = requireLink(c, c.req.params.at("token"));
    bool foreign = c.queryBool("foreign").value_or(false);
    std::string type = link.kind == "group" ? "group" : foreign ? "foreign" : "personal";
    int64_t now = Clock::nowMs();
    Settings st = loadSettings(c.sql);
    json slots = json::array();
    bool hasVaccine = false;
    for (const auto& s : repo::openSlots(c.sql, link.region.path, type, now)) {
      json j = toJson(s, now);
      for (const char* k : {"quota", "booked", "vaccinated", "status", "createdAt", "siteId"})
        j.erase(k);
      hasVaccine = hasVaccine || j["remaining"].get<int>() > 0;
      slots.push_back(j);
    }
    json grids = json::array();
    std::map<int64_t, std::string> streets;
    for (const auto& n : region::subtree(c.sql, link.region.path)) {
      if (!n.enabled) continue;
      if (n.level == region::kStreet) streets[n.id] = n.name;
      if (n.level == region::kGrid)
        grids.push_back({{"id", n.id},
                         {"name", n.name},
                         {"streetId", n.parentId},
                         {"streetName", streets[n.parentId]}});
    }
    return Response::ok({{"link",
                          {{"kind", link.kind},
                           {"regionId", link.region.id},
                           {"regionName", link.region.name},
                           {"districtName", link.districtName}}},
                         {"notice", st.notice},
                         {"noticeEn", st.noticeEn},
                         {"minAge", st.minAge},
                         {"hasVaccine", hasVaccine},
                         {"slots", slots},
                         {"grids", grids}});
  });

  for (bool png : {false, true})
    routes.get(base + "/links" + token + (png ? "/qr.png" : "/qr.svg"), http::kPublic,
               [png](Ctx& c) {
                 std::string t = c.req.params.at("token");
                 requireLink(c, t);
                 return qrResponse(linkUrl(c.app, t), png);
               });

  routes.add({"POST", base + "/eligibility", http::kPublic, http::Kind::Read, [](Ctx& c) {
                limitAddress(c.app, c.req.ip);
                auto body = c.body();
                http::JsonIn in(body);
                std::string t = in.str("token", {.max = 64});
                Person p = personFrom(in, false);
                limitPerson(c.app, p.idNumber);
                requireLink(c, t);
                return Response::ok(eligibilityJson(c.sql, c.app, p));
              }});

  routes.postAsync(base + "/bookings", [](const http::Request& req, AppContext& app,
                                          http::Reply reply) {
    if (!app.vaxEngine) throw Problem(503, "unavailable", "booking is not served by this process");
    Engine& engine = *app.vaxEngine;
    engine.arrived();
    // A release that has sold out is answered from memory before anything else is read;
    // a keyed request (Idempotency-Key) may retry one that booked before the slot filled,
    // so its key is checked against the slot's: here, when the body's ID number can be
    // read off it, else by the engine once the body is parsed.
    if (auto slot = peekSlotId(req.body); slot && engine.board().full(*slot)) {
      if (req.idempotencyKey.empty()) return reply(slotFullAnswer(req.requestId));
      if (auto id = peekIdNumber(req.body); id && engine.refusesKey(*slot, *id, req.idempotencyKey))
        return reply(slotFullAnswer(req.requestId));
    }
    limitAddress(app, req.ip);
    BookInput b = bookInput(http::parseObject(req.body));
    b.personKey = limitPerson(app, b.person.idNumber);
    if (!req.idempotencyKey.empty()) b.idemKey = req.idempotencyKey;
    engine.book(std::move(b), Actor{0, "citizen", req.ip, req.requestId}, std::move(reply));
  });

  routes.add({"POST", base + "/lookup", http::kPublic, http::Kind::Read, [](Ctx& c) {
                limitAddress(c.app, c.req.ip);
                auto body = c.body();
                http::JsonIn in(body);
                auto code = in.optStr("code", {.max = 24});
                std::string id = in.str("idNumber", {.max = 30});
                auto phone = in.optStr("phone", {.max = 20});
                if (phone && phone->find_first_not_of(" \t") == std::string::npos) phone.reset();
                if (!code && !phone)
                  in.fail("phone", "required", "give the phone number or the booking code");
                in.done();
                limitPerson(c.app, id);
                return Response::ok(
                    publicList(lookup(c.sql, c.app, code, id, phone), Clock::nowMs()));
              }});

  routes.post(base + "/bookings" + code + "/cancel", http::kPublic, [](Ctx& c) {
    limitAddress(c.app, c.req.ip);
    auto body = c.body();
    http::JsonIn in(body);
    std::string id = in.str("idNumber", {.max = 30});
    in.done();
    limitPerson(c.app, id);
    Actor a{0, "citizen", c.req.ip, c.req.requestId};
    return Response::ok(
        publicJson(citizenCancel(c.sql, c.app, a, c.req.params.at("code"), id), Clock::nowMs()));
  });

  routes.post(base + "/bookings" + code + "/profile", http::kPublic, [](Ctx& c) {
    limitAddress(c.app, c.req.ip);
    auto body = c.body();
    http::JsonIn in(body);
    std::string id = in.str("idNumber", {.max = 30});
    int64_t grid = in.integer("gridId", 1, INT64_MAX);
    std::string phone = in.str("phone", {.max = 20});
    in.done();
    limitPerson(c.app, id);
    Actor a{0, "citizen", c.req.ip, c.req.requestId};
    return Response::ok(publicJson(
        citizenProfile(c.sql, c.app, a, c.req.params.at("code"), id, grid, phone), Clock::nowMs()));
  });

  routes.get(base + "/bookings" + code + "/qr.svg", http::kPublic, [](Ctx& c) {
    std::string cd = c.req.params.at("code");
    if (!repo::bookingByCode(c.sql, cd)) throw Problem::notFound("booking");
    return qrResponse(cd, false);
  });
}

}  // namespace fy::vax
