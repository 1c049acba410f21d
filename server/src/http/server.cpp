// The only translation unit that includes RESTinio: it turns HTTP requests into
// fy::http::Request, hands them to the database threads, and writes the answers.
#include "http/server.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <deque>
#include <filesystem>
#include <regex>
#include <restinio/all.hpp>
#include <unordered_map>
#include <vector>

#include "common/crypto.h"
#include "common/thread_name.h"
#include "db/migrations.h"
#include "db/soci.h"
#include "http/metrics.h"
#include "http/static_files.h"

namespace fy::http {

namespace {

using router_t = restinio::router::express_router_t<>;
// One RESTinio server per I/O thread, each running its own io_context alone: a connection then
// needs no strand. With the pool and strands of one shared server, the strands' locks, their
// shared executors' copies and the threads handing work to each other took about a third of
// the I/O threads' own (non-kernel) time in a sold-out flood.
using traits_t =
    restinio::single_thread_traits_t<restinio::asio_timer_manager_t, restinio::null_logger_t>;
using running_t = restinio::running_server_instance_t<restinio::http_server_t<traits_t>>;
using clock_t_ = std::chrono::steady_clock;

restinio::http_method_id_t methodOf(const std::string& m) {
  if (m == "GET") return restinio::http_method_get();
  if (m == "POST") return restinio::http_method_post();
  if (m == "PUT") return restinio::http_method_put();
  if (m == "DELETE") return restinio::http_method_delete();
  if (m == "PATCH") return restinio::http_method_patch();
  throw std::invalid_argument("unsupported method " + m);
}

std::map<std::string, std::string> parseCookies(std::string_view header) {
  std::map<std::string, std::string> out;
  size_t pos = 0;
  while (pos < header.size()) {
    size_t end = header.find(';', pos);
    if (end == std::string_view::npos) end = header.size();
    std::string_view part = header.substr(pos, end - pos);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    if (auto eq = part.find('='); eq != std::string_view::npos)
      out.emplace(std::string(part.substr(0, eq)), std::string(part.substr(eq + 1)));
    pos = end + 1;
  }
  return out;
}

// A correlation id, not a secret: a per-thread xorshift seeded from libsodium once. Drawing
// each id from libsodium cost 6% of the CPU of a sold-out flood (a getpid and a ChaCha20
// rekey per call).
std::string newRequestId() {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  thread_local uint64_t state = [] {
    uint64_t seed = 0;
    while (seed == 0) seed = crypto::randomU64();
    return seed;
  }();
  std::string id(12, 'A');
  for (size_t i = 0; i < id.size(); i += 6) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    uint64_t bits = state;
    for (size_t k = i; k < i + 6; ++k, bits >>= 6) id[k] = kAlphabet[bits & 63];
  }
  return id;
}

// An IPv4 address in dotted form without inet_ntop, whose sprintf was about 1% of a
// sold-out answer; other addresses as asio writes them.
std::string addressText(const restinio::asio_ns::ip::address& a) {
  if (!a.is_v4()) return a.to_string();
  const auto bytes = a.to_v4().to_bytes();
  char buf[16];
  char* p = buf;
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i) *p++ = '.';
    p = std::to_chars(p, buf + sizeof buf, bytes[i]).ptr;
  }
  return std::string(buf, p);
}

bool safeRequestId(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  return true;
}

std::vector<std::string> paramNames(const std::string& path) {
  static const std::regex re(R"(:([A-Za-z_]+))");
  std::vector<std::string> out;
  for (std::sregex_iterator it(path.begin(), path.end(), re), e; it != e; ++it)
    out.push_back((*it)[1]);
  return out;
}

restinio::http_status_line_t statusLine(int status) {
  return restinio::http_status_line_t{restinio::http_status_code_t{static_cast<uint16_t>(status)},
                                      reasonPhrase(status)};
}

}  // namespace

struct Server::Impl {
  // What the router knows of a route once, at start-up, instead of on every request.
  struct Bound {
    const Route& route;
    Metrics::Series& series;
    std::vector<std::string> params;
  };
  ServerConfig cfg;
  AppContext& app;
  db::Database& db;
  Routes& routes;
  Authenticator auth;
  Metrics metrics;
  StaticFiles files;
  Metrics::Series* staticSeries = nullptr;
  std::deque<Bound> bound;  // deque: the handlers keep references to its elements
  // Routes without parameters by "METHOD /path": found without the express router, whose
  // regular expressions are tried one route after another on every request.
  std::unordered_map<std::string, const Bound*> exact;
  std::unique_ptr<router_t> router;
  std::vector<std::unique_ptr<running_t>> running;

  Impl(ServerConfig c, AppContext& a, db::Database& d, Routes& r, Authenticator au)
      : cfg(std::move(c)), app(a), db(d), routes(r), auth(std::move(au)), files(cfg.webDir) {}

  // Takes the response by value so that a large body (an export) is moved, not copied.
  void send(const restinio::request_handle_t& req, Response r, const std::string& rid) {
    auto resp = req->create_response(statusLine(r.status));
    if (!r.contentType.empty())
      resp.append_header(restinio::http_field::content_type, r.contentType);
    resp.append_header("X-Request-Id", rid);
    resp.append_header("Cache-Control", "no-store");
    resp.append_header("X-Content-Type-Options", "nosniff");
    for (const auto& [k, v] : r.headers) resp.append_header(k, v);
    if (!r.bodyFile.empty()) {
      try {
        resp.set_body(restinio::sendfile(r.bodyFile));  // opens the file now
      } catch (const std::exception& e) {
        spdlog::error("[{}] cannot send a file: {}", rid, e.what());
      }
      ::unlink(r.bodyFile.c_str());  // the open descriptor keeps it readable until sent
    } else {
      resp.set_body(std::move(r.body));
    }
    resp.done();
  }

  Request makeRequest(const restinio::request_handle_t& req,
                      const restinio::router::route_params_t& params, const Bound& b) {
    const Route& rt = b.route;
    Request r;
    r.method = rt.method;
    r.path = std::string(req->header().path());
    const auto& h = req->header();
    std::string rid(h.get_field_or("X-Request-Id", ""));
    r.requestId = safeRequestId(rid) ? rid : newRequestId();
    r.cookies = parseCookies(h.get_field_or(restinio::http_field::cookie, ""));
    r.csrfHeader = std::string(h.get_field_or("X-CSRF-Token", ""));
    std::string idem(h.get_field_or("Idempotency-Key", ""));
    if (idem.size() <= 128) r.idempotencyKey = idem;
    r.contentType = std::string(h.get_field_or(restinio::http_field::content_type, ""));
    r.userAgent = std::string(h.get_field_or(restinio::http_field::user_agent, "")).substr(0, 200);
    r.ip = addressText(req->remote_endpoint().address());
    if (cfg.trustProxy) {
      std::string xff(h.get_field_or("X-Forwarded-For", ""));
      if (!xff.empty()) r.ip = xff.substr(0, xff.find(','));
    }
    for (const auto& name : b.params) r.params[name] = std::string(params[name]);
    auto qp = restinio::parse_query<restinio::parse_query_traits::javascript_compatible>(h.query());
    for (const auto& [k, v] : qp) r.query[std::string(k)] = std::string(v);
    r.body = req->body();
    return r;
  }

  // Runs on a database thread: sign-in, CSRF, permission, then the handler.
  Response execute(const Route& rt, const Request& r, soci::session& sql) {
    std::optional<Principal> p;
    if (rt.perm != kPublic) {
      auto it = r.cookies.find("fy_session");
      if (it != r.cookies.end() && !it->second.empty()) p = auth(sql, it->second);
      if (!p) throw Problem(401, "unauthenticated", "sign in first");
      if (rt.kind == Kind::Write && (r.csrfHeader.empty() || r.csrfHeader != p->csrfToken))
        throw Problem(403, "csrf_failed", "missing or wrong X-CSRF-Token header");
      if (p->mustChangePassword && !rt.beforePasswordChange)
        throw Problem(403, "password_change_required", "change the initial password first");
      if (rt.perm != kSignedIn && !p->has(rt.perm))
        throw Problem(403, "forbidden", "this needs the permission " + rt.perm);
    }
    Ctx ctx(r, sql, p ? &*p : nullptr, app);
    return rt.handler(ctx);
  }

  static Response fromException(std::exception_ptr e, const std::string& rid) {
    try {
      std::rethrow_exception(e);
    } catch (const Problem& p) {
      return Response::problem(p, rid);
    } catch (const soci::soci_error& ex) {
      std::string what = ex.what();
      // A race past a service's own check still meets the unique index: say so plainly.
      if (what.find("UNIQUE") != std::string::npos ||
          what.find("duplicate key") != std::string::npos)
        return Response::problem(
            Problem::conflict("duplicate", "a record with the same key exists"), rid);
      spdlog::error("[{}] database error: {}", rid, db::loggable(ex));
      return Response::problem(
          Problem(503, "database_error", "the database could not complete the request"), rid);
    } catch (const std::exception& ex) {
      spdlog::error("[{}] internal error: {}", rid, ex.what());
      return Response::problem(Problem(500, "internal_error", "internal error"), rid);
    }
  }

  void handle(const Bound& b, const restinio::request_handle_t& req,
              const restinio::router::route_params_t& params) {
    const Route& rt = b.route;
    Metrics::Series& series = b.series;
    auto start = clock_t_::now();
    auto r = std::make_shared<Request>();
    try {
      *r = makeRequest(req, params, b);
    } catch (const std::exception&) {
      Response resp =
          Response::problem(Problem(400, "malformed_request", "the query string is malformed"));
      send(req, resp, "-");
      return;
    }
    auto finish = [this, &rt, &series, req, r, start](Response resp) {
      int status = resp.status;
      bool quiet = resp.quiet;
      send(req, std::move(resp), r->requestId);
      double secs = std::chrono::duration<double>(clock_t_::now() - start).count();
      metrics.observe(series, status, secs);
      // The access log names the route pattern, never the path or query: they may hold personal
      // data.
      if (!quiet)
        spdlog::info("[{}] {} {} {} {:.1f}ms", r->requestId, rt.method, rt.path, status,
                     secs * 1000);
    };
    if (r->body.size() > rt.maxBody) {
      finish(Response::problem(
          Problem(413, "body_too_large",
                  "the body is larger than " + std::to_string(rt.maxBody) + " bytes"),
          r->requestId));
      return;
    }
    if (rt.async) {
      try {
        rt.async(*r, app, finish);
      } catch (...) {
        finish(fromException(std::current_exception(), r->requestId));
      }
    } else if (rt.kind == Kind::Read) {
      // A database error leaves the job, so that the reader replaces its connection (the one
      // that broke, maybe); `failed` answers it, as it answers a job that could not run.
      db.read(
          [this, &rt, r, finish](soci::session& sql) {
            Response resp;
            try {
              resp = execute(rt, *r, sql);
            } catch (const soci::soci_error&) {
              throw;
            } catch (...) {
              resp = fromException(std::current_exception(), r->requestId);
            }
            finish(std::move(resp));
          },
          [r, finish](std::exception_ptr e) { finish(fromException(e, r->requestId)); });
    } else {
      auto out = std::make_shared<Response>();
      db.write({[this, &rt, r, out](soci::session& sql) { *out = execute(rt, *r, sql); },
                [r, out, finish](std::exception_ptr e) {
                  finish(e ? fromException(e, r->requestId) : std::move(*out));
                }});
    }
  }

  restinio::request_handling_status_t dispatch(restinio::request_handle_t req) {
    // RESTinio starts its I/O threads itself: each names itself on its first request.
    static thread_local const bool named = (nameThread("fy-http"), true);
    (void)named;
    const auto& h = req->header();
    std::string key(h.method().c_str());
    key += ' ';
    key += h.path();
    if (auto it = exact.find(key); it != exact.end()) {
      static const restinio::router::route_params_t none;
      handle(*it->second, req, none);
      return restinio::request_accepted();
    }
    return (*router)(std::move(req));
  }

  void buildRouter() {
    router = std::make_unique<router_t>();
    router->http_get("/healthz", [](auto req, auto) {
      return req->create_response()
          .append_header(restinio::http_field::content_type, "application/json")
          .set_body(R"({"status":"ok"})")
          .done();
    });
    router->http_get("/readyz", [this](auto req, auto) {
      db.read(
          [this, req](soci::session& sql) {
            int have = db::currentVersion(sql);
            int want = db::latestVersion();
            send(req,
                 Response::json(have >= want ? 200 : 503,
                                {{"status", have >= want ? "ready" : "migrations_pending"},
                                 {"schemaVersion", have},
                                 {"expected", want}}),
                 "-");
          },
          [this, req](std::exception_ptr e) {
            spdlog::warn("readyz: database unreachable ({})", db::loggable(e));
            send(req, Response::json(503, {{"status", "database_unreachable"}}), "-");
          });
      return restinio::request_accepted();
    });
    router->http_get("/metrics", [this](auto req, auto) {
      std::string body = metrics.render(db.stats());
      for (const auto& lines : app.metricLines) body += lines();
      return req->create_response()
          .append_header(restinio::http_field::content_type, "text/plain; version=0.0.4")
          .set_body(std::move(body))
          .done();
    });
    for (auto& rt : routes.all()) {
      bound.push_back({rt, metrics.series(rt.method, openApiPath(rt.path)), paramNames(rt.path)});
      if (rt.path.find(':') == std::string::npos)
        exact.emplace(rt.method + " " + rt.path, &bound.back());
      router->add_handler(methodOf(rt.method), rt.path,
                          [this, &b = bound.back()](restinio::request_handle_t req, auto params) {
                            handle(b, req, params);
                            return restinio::request_accepted();
                          });
    }
    staticSeries = &metrics.series("GET", "static");
    router->non_matched_request_handler(
        [this](restinio::request_handle_t req) { return serveStatic(req); });
  }

  restinio::request_handling_status_t serveStatic(const restinio::request_handle_t& req) {
    auto start = clock_t_::now();
    std::string path(req->header().path());
    auto done = [&](int status) {
      metrics.observe(*staticSeries, status,
                      std::chrono::duration<double>(clock_t_::now() - start).count());
    };
    auto method = req->header().method();
    bool readOnly = method == restinio::http_method_get() || method == restinio::http_method_head();
    if (path.rfind("/api/", 0) == 0 || !readOnly) {
      std::string rid(req->header().get_field_or("X-Request-Id", ""));
      if (!safeRequestId(rid)) rid = newRequestId();
      send(req, Response::problem(Problem(404, "no_route", "no such route"), rid), rid);
      done(404);
      return restinio::request_accepted();
    }
    if (path == "/" || path == "/admin") {
      req->create_response(restinio::status_found())
          .append_header(restinio::http_field::location, "/admin/")
          .done();
      done(302);
      return restinio::request_accepted();
    }
    auto file = files.resolve(path);
    if (!file) {
      req->create_response(restinio::status_not_found())
          .append_header(restinio::http_field::content_type, "text/plain; charset=utf-8")
          .set_body("not found")
          .done();
      done(404);
      return restinio::request_accepted();
    }
    try {
      req->create_response()
          .append_header(restinio::http_field::content_type, file->contentType)
          .append_header(restinio::http_field::cache_control, file->cacheControl)
          .append_header("X-Content-Type-Options", "nosniff")
          .set_body(restinio::sendfile(file->path))
          .done();
      done(200);
    } catch (const std::exception&) {
      req->create_response(restinio::status_not_found()).done();
      done(404);
    }
    return restinio::request_accepted();
  }
};

Server::Server(ServerConfig cfg, AppContext& app, db::Database& db, Routes& routes,
               Authenticator auth)
    : impl_(std::make_unique<Impl>(std::move(cfg), app, db, routes, std::move(auth))) {}

Server::~Server() { stop(); }

namespace {
// The host as RESTinio's acceptor reads it, which knows two names; read once here, so that the
// probe below and the listeners bind the same address.
restinio::asio_ns::ip::address listenAddress(const std::string& host) {
  if (host == "localhost") return restinio::asio_ns::ip::make_address("127.0.0.1");
  if (host == "ip6-localhost") return restinio::asio_ns::ip::make_address("::1");
  return restinio::asio_ns::ip::make_address(host);
}

// The listening sockets share the port (SO_REUSEPORT) and the kernel spreads connections over
// them. A port already taken must still be refused, as it would be without the option.
void ensurePortFree(const restinio::asio_ns::ip::address& address, uint16_t port) {
  restinio::asio_ns::io_context ctx;
  restinio::asio_ns::ip::tcp::acceptor probe(ctx);
  restinio::asio_ns::ip::tcp::endpoint ep(address, port);
  probe.open(ep.protocol());
  probe.set_option(restinio::asio_ns::socket_base::reuse_address(true));
  probe.bind(ep);  // throws "Address already in use"
}

using reuse_port = restinio::asio_ns::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;
}  // namespace

void Server::start() {
  impl_->buildRouter();
  const auto& cfg = impl_->cfg;
  // An ephemeral port (0) would give each listener a port of its own: one listener then.
  const size_t listeners = cfg.port == 0 ? 1 : std::max<size_t>(1, cfg.ioThreads);
  const auto address = listenAddress(cfg.host);
  if (listeners > 1) ensurePortFree(address, cfg.port);
  for (size_t i = 0; i < listeners; ++i) {
    auto settings =
        restinio::server_settings_t<traits_t>{}
            .address(address)
            .port(cfg.port)
            .request_handler([impl = impl_.get()](restinio::request_handle_t req) {
              return impl->dispatch(std::move(req));
            })
            .acceptor_options_setter([listeners](auto& options) {
              options.set_option(restinio::asio_ns::ip::tcp::acceptor::reuse_address(true));
              if (listeners > 1) options.set_option(reuse_port(true));
            })
            .incoming_http_msg_limits(
                restinio::incoming_http_msg_limits_t{}.max_body_size(64ull * 1024 * 1024))
            .read_next_http_message_timelimit(std::chrono::seconds(60))
            .handle_request_timeout(std::chrono::seconds(300));
    impl_->running.push_back(
        restinio::run_async(restinio::own_io_context(), std::move(settings), 1));
  }
  spdlog::info("listening on http://{}:{} ({} I/O threads)", cfg.host, cfg.port, listeners);
}

void Server::stop() {
  if (!impl_) return;
  for (auto& r : impl_->running) r->stop();
  for (auto& r : impl_->running) r->wait();
  impl_->running.clear();
}

}  // namespace fy::http
