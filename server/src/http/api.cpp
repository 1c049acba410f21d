#include "http/api.h"

#include <charconv>
#include <ctime>
#include <regex>

#include "app/context.h"
#include "common/idnumber.h"

namespace fy::http {

Response Response::json(int status, const nlohmann::json& j) {
  Response r;
  r.status = status;
  r.body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

Response Response::noContent() {
  Response r;
  r.status = 204;
  r.contentType.clear();
  return r;
}

const char* reasonPhrase(int status) {
  if (status == 200) return "OK";
  if (status == 201) return "Created";
  if (status == 202) return "Accepted";
  if (status == 204) return "No Content";
  if (status == 302) return "Found";
  switch (status) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 413:
      return "Payload Too Large";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Entity";
    case 429:
      return "Too Many Requests";
    case 503:
      return "Service Unavailable";
    default:
      return status >= 500 ? "Internal Server Error" : "Error";
  }
}

Response Response::problem(const Problem& p, const std::string& requestId) {
  nlohmann::json errors = nlohmann::json::array();
  for (const auto& e : p.errors)
    errors.push_back({{"field", e.field}, {"code", e.code}, {"message", e.message}});
  nlohmann::json body = {{"type", "https://fangyi.example/problems/" + p.code},
                         {"title", reasonPhrase(p.status)},
                         {"status", p.status},
                         {"code", p.code},
                         {"detail", p.what()},
                         {"errors", errors}};
  if (!requestId.empty()) body["requestId"] = requestId;
  if (p.retryAfter > 0) body["retryAfter"] = p.retryAfter;
  Response r = json(p.status, body);
  r.contentType = "application/problem+json";
  if (p.retryAfter > 0) r.headers.emplace_back("Retry-After", std::to_string(p.retryAfter));
  return r;
}

CannedProblem::CannedProblem(const Problem& p) {
  // Rendered around a marker that JSON escaping leaves alone, then split at it.
  const std::string marker = "fy-request-id-marker";
  base_ = Response::problem(p, marker);
  auto at = base_.body.find(marker);
  head_ = base_.body.substr(0, at);
  tail_ = base_.body.substr(at + marker.size());
  base_.body.clear();
}

Response CannedProblem::answer(const std::string& requestId) const {
  Response r = base_;
  r.body.reserve(head_.size() + requestId.size() + tail_.size());
  r.body.append(head_).append(requestId).append(tail_);
  return r;
}

const Principal& Ctx::user() const {
  if (!user_) throw Problem(401, "unauthenticated", "sign in first");
  return *user_;
}

Actor Ctx::actor() const {
  Actor a;
  if (user_) {
    a.id = user_->userId;
    a.name = user_->username;
  }
  a.ip = req.ip;
  a.requestId = req.requestId;
  return a;
}

nlohmann::json Ctx::body() const { return parseObject(req.body); }

nlohmann::json parseObject(const std::string& body) {
  if (body.empty()) throw Problem(400, "body_required", "a JSON object body is required");
  nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded()) throw Problem(400, "malformed_json", "the body is not valid JSON");
  if (!j.is_object()) throw Problem(400, "malformed_json", "the body must be a JSON object");
  return j;
}

int64_t Ctx::id(const std::string& param) const {
  auto it = req.params.find(param);
  int64_t v = 0;
  if (it == req.params.end()) throw Problem::notFound(param);
  auto [p, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), v);
  if (ec != std::errc() || p != it->second.data() + it->second.size() || v <= 0)
    throw Problem::notFound("record " + it->second);
  return v;
}

std::optional<std::string> Ctx::query(const std::string& name) const {
  auto it = req.query.find(name);
  if (it == req.query.end() || it->second.empty()) return std::nullopt;
  if (it->second.size() > 200)
    throw Problem(400, "invalid_query", name + " is too long",
                  {{name, "too_long", "at most 200 characters"}});
  return it->second;
}

std::optional<int64_t> Ctx::queryInt(const std::string& name) const {
  auto s = query(name);
  if (!s) return std::nullopt;
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
  if (ec != std::errc() || p != s->data() + s->size())
    throw Problem(400, "invalid_query", name + " must be a whole number",
                  {{name, "not_integer", "must be a whole number"}});
  return v;
}

std::optional<bool> Ctx::queryBool(const std::string& name) const {
  auto s = query(name);
  if (!s) return std::nullopt;
  if (*s == "true" || *s == "1") return true;
  if (*s == "false" || *s == "0") return false;
  throw Problem(400, "invalid_query", name + " must be true or false",
                {{name, "not_boolean", "must be true or false"}});
}

std::optional<int64_t> Ctx::queryDate(const std::string& name, bool endOfDay) const {
  auto s = query(name);
  if (!s) return std::nullopt;
  static const std::regex re(R"(^(\d{4})-(\d{2})-(\d{2})$)");
  std::smatch m;
  std::tm tm{};
  if (std::regex_match(*s, m, re)) {
    tm.tm_year = std::stoi(m[1]) - 1900;
    tm.tm_mon = std::stoi(m[2]) - 1;
    tm.tm_mday = std::stoi(m[3]);
    if (idnum::isValidDate({tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday})) {
      // Dates are meant in the city's zone (UTC+8).
      int64_t ms = static_cast<int64_t>(timegm(&tm)) * 1000 - 8LL * 3600 * 1000;
      return endOfDay ? ms + 86400LL * 1000 - 1 : ms;
    }
  }
  throw Problem(400, "invalid_query", name + " must be a date yyyy-mm-dd",
                {{name, "not_date", "must be a date yyyy-mm-dd"}});
}

Page Ctx::page() const {
  Page p;
  if (auto v = queryInt("page")) {
    if (*v < 1 || *v > 1000000)
      throw Problem(400, "invalid_query", "page must be at least 1",
                    {{"page", "out_of_range", "must be between 1 and 1000000"}});
    p.page = static_cast<int>(*v);
  }
  if (auto v = queryInt("pageSize")) {
    if (*v < 1 || *v > 200)
      throw Problem(400, "invalid_query", "pageSize must be between 1 and 200",
                    {{"pageSize", "out_of_range", "must be between 1 and 200"}});
    p.size = static_cast<int>(*v);
  }
  return p;
}

std::string openApiPath(const std::string& expressPath) {
  static const std::regex re(R"(:([A-Za-z_]+)(\([^)]*\))?)");
  return std::regex_replace(expressPath, re, "{$1}");
}

}  // namespace fy::http
