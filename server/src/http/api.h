#pragma once
// The HTTP contract the modules see. Deliberately free of RESTinio/Asio so that module
// translation units stay small and quick to compile.
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/principal.h"
#include "common/problem.h"

namespace soci {
class session;
}

namespace fy {
struct AppContext;
}

namespace fy::http {

using json = nlohmann::json;

struct Request {
  std::string method;
  std::string path;
  std::map<std::string, std::string> query;
  std::map<std::string, std::string> params;
  std::map<std::string, std::string> cookies;
  std::string csrfHeader;
  std::string idempotencyKey;  // Idempotency-Key header (at most 128 characters)
  std::string contentType;
  std::string body;
  std::string ip;
  std::string requestId;
  std::string userAgent;
};

struct Response {
  int status = 200;
  std::string contentType = "application/json";
  std::string body;
  // When set, the body is this file, streamed from disk and deleted once opened.
  std::string bodyFile;
  std::vector<std::pair<std::string, std::string>> headers;
  // Left out of the access log (a flood answered from memory); /metrics still counts it.
  bool quiet = false;

  static Response json(int status, const nlohmann::json& j);
  static Response ok(const nlohmann::json& j) { return json(200, j); }
  static Response created(const nlohmann::json& j) { return json(201, j); }
  static Response noContent();
  static Response problem(const Problem& p, const std::string& requestId = "");
};

// A problem answered so often that its body is rendered once (a sold-out flood): the same
// bytes as Response::problem, with only the request id put in per answer.
class CannedProblem {
 public:
  explicit CannedProblem(const Problem& p);
  Response answer(const std::string& requestId) const;

 private:
  Response base_;
  std::string head_, tail_;  // the body around the request id
};

// The request body as a JSON object, or a 400 problem.
nlohmann::json parseObject(const std::string& body);

struct Page {
  int page = 1;
  int size = 10;
  int64_t offset() const { return static_cast<int64_t>(page - 1) * size; }
};

class Ctx {
 public:
  Ctx(const Request& req, soci::session& sql, const Principal* user, AppContext& app)
      : req(req), sql(sql), app(app), user_(user) {}

  const Request& req;
  soci::session& sql;
  AppContext& app;

  const Principal& user() const;  // throws 401 on public routes
  bool signedIn() const { return user_ != nullptr; }
  Actor actor() const;

  json body() const;  // parsed JSON object or 400 problem
  int64_t id(const std::string& param = "id") const;
  std::optional<std::string> query(const std::string& name) const;
  std::optional<int64_t> queryInt(const std::string& name) const;  // 400 when not a number
  std::optional<bool> queryBool(const std::string& name) const;    // 400 when not true/false
  std::optional<int64_t> queryDate(const std::string& name, bool endOfDay) const;  // yyyy-mm-dd
  Page page() const;

 private:
  const Principal* user_;
};

enum class Kind { Read, Write };

using Reply = std::function<void(Response)>;
// A public route answered later and off the database threads: the handler runs on the I/O
// thread (parsing, validation, hashing; never a database call), hands the work to its own
// executor and calls `reply` exactly once, from any thread.
using AsyncHandler = std::function<void(const Request&, AppContext&, Reply)>;

// perm: kPublic = no sign-in; kSignedIn = any signed-in account; otherwise a permission code.
inline const std::string kPublic = "public";
inline const std::string kSignedIn = "signed-in";

struct Route {
  std::string method;
  std::string path;  // express pattern, e.g. "/api/v1/iam/users/:id(\\d+)"
  std::string perm;
  Kind kind = Kind::Read;
  std::function<Response(Ctx&)> handler;
  size_t maxBody = 64 * 1024;
  bool beforePasswordChange = false;  // reachable while a password change is forced
  AsyncHandler async;                 // set instead of `handler` (public routes only)
};

class Routes {
 public:
  void get(std::string path, std::string perm, std::function<Response(Ctx&)> h) {
    add({"GET", std::move(path), std::move(perm), Kind::Read, std::move(h)});
  }
  void post(std::string path, std::string perm, std::function<Response(Ctx&)> h) {
    add({"POST", std::move(path), std::move(perm), Kind::Write, std::move(h)});
  }
  void put(std::string path, std::string perm, std::function<Response(Ctx&)> h) {
    add({"PUT", std::move(path), std::move(perm), Kind::Write, std::move(h)});
  }
  void del(std::string path, std::string perm, std::function<Response(Ctx&)> h) {
    add({"DELETE", std::move(path), std::move(perm), Kind::Write, std::move(h)});
  }
  void postAsync(std::string path, AsyncHandler h) {
    Route r{"POST", std::move(path), kPublic, Kind::Write, nullptr};
    r.async = std::move(h);
    add(std::move(r));
  }
  Route& add(Route r) {
    all_.push_back(std::move(r));
    return all_.back();
  }
  std::deque<Route>& all() { return all_; }

 private:
  std::deque<Route> all_;  // deque: add() hands out references that must stay valid
};

const char* reasonPhrase(int status);

// "/api/v1/users/:id(\\d+)" -> "/api/v1/users/{id}" (the OpenAPI form)
std::string openApiPath(const std::string& expressPath);

}  // namespace fy::http
