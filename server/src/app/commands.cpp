#include "app/commands.h"

#include <signal.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <iostream>

#include "app/context.h"
#include "app/modules.h"
#include "common/crypto.h"
#include "db/database.h"
#include "db/migrations.h"
#include "db/soci.h"
#include "http/server.h"
#include "modules/iam/service.h"
#include "modules/notify/service.h"
#include "modules/region/service.h"
#include "modules/vaccination/engine.h"
#include "modules/vaccination/service.h"

namespace fy::app {

namespace fs = std::filesystem;

std::string dbUrl(const Options& o) {
  return o.db.empty() ? "sqlite:" + (fs::path(o.dataDir) / "fangyi.db").string() : o.db;
}

AppContext makeContext(const Options& o) {
  crypto::init();
  fs::create_directories(o.dataDir);
  AppContext app{db::dialectOf(dbUrl(o)), crypto::Vault(crypto::loadOrCreateMasterKey(o.dataDir)),
                 o.dataDir};
  app.testMode = o.testMode;
  app.publicUrl = o.publicUrl.empty() ? "http://" + o.listen : o.publicUrl;
  while (!app.publicUrl.empty() && app.publicUrl.back() == '/') app.publicUrl.pop_back();
  // Bursts: a family books for several members in a minute; a shared address (a carrier's
  // NAT, an office) carries many people.
  app.perIp = std::make_shared<RateLimiter>(o.rateIp, std::max(1, o.rateIp / 2));
  app.perIdNumber = std::make_shared<RateLimiter>(o.rateId, std::max(1, o.rateId));
  return app;
}

void prepareSchema(db::Database& db) {
  auto sql = db.connect();
  db::migrate(*sql, db.dialect());
  soci::transaction tx(*sql);
  // Nodes starting together on one PostgreSQL take turns (the migrations' lock).
  if (db.dialect() == db::Dialect::Postgres) *sql << "SELECT pg_advisory_xact_lock(7412001)";
  iam::syncBuiltins(*sql);
  tx.commit();
}

int serve(const Options& o) {
  // Block the stop signals in every thread so that only sigwait below receives them;
  // RESTinio on its own would catch SIGINT alone.
  sigset_t stopSignals;
  sigemptyset(&stopSignals);
  sigaddset(&stopSignals, SIGINT);
  sigaddset(&stopSignals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);

  AppContext app = makeContext(o);
  if (app.testMode)
    spdlog::warn("TEST MODE: captcha bypass and clock shifting are on. Never use in production.");
  db::Database db({dbUrl(o), o.readers, 512, o.writers, o.walRewindMb});
  prepareSchema(db);
  db.start();
  vax::Engine bookings(db, app, dbUrl(o));
  bookings.start();
  app.vaxEngine = &bookings;

  http::Routes routes;
  registerAll(routes);
  http::ServerConfig cfg;
  auto colon = o.listen.rfind(':');
  if (colon == std::string::npos) throw std::invalid_argument("--listen must be HOST:PORT");
  cfg.host = o.listen.substr(0, colon);
  cfg.port = static_cast<uint16_t>(std::stoi(o.listen.substr(colon + 1)));
  cfg.webDir = o.webDir;
  if (cfg.webDir.empty()) {
    for (const char* cand : {"web/dist", "../web/dist", "/usr/share/fangyi/web"})
      if (fs::exists(fs::path(cand) / "admin" / "index.html")) {
        cfg.webDir = fs::absolute(cand).string();
        break;
      }
  }
  cfg.ioThreads = o.ioThreads;
  cfg.trustProxy = o.trustProxy;
  http::Server server(cfg, app, db, routes, iam::authenticate);
  server.start();

  std::unique_ptr<notify::Dispatcher> sms;
  if (!o.noSmsDispatch) {
    sms = std::make_unique<notify::Dispatcher>(
        db, app, notify::makeLogSender((fs::path(o.dataDir) / "sms-outbox.log").string()));
    sms->start();
  }
  std::unique_ptr<vax::Jobs> jobs;
  if (!o.noJobs) {
    jobs = std::make_unique<vax::Jobs>(db, app);
    jobs->start();
  }

  int sig = 0;
  sigwait(&stopSignals, &sig);
  spdlog::info("signal {} received, shutting down", sig);
  if (sms) sms->stop();
  if (jobs) jobs->stop();
  server.stop();
  db.stop();
  spdlog::info("stopped");
  return 0;
}

int migrate(const Options& o) {
  AppContext app = makeContext(o);
  db::Database db({dbUrl(o), 0});
  auto sql = db.connect();
  int n = db::migrate(*sql, db.dialect());
  std::cout << "applied " << n << " migration(s); schema version " << db::currentVersion(*sql)
            << "\n";
  return 0;
}

int createAdmin(const Options& o) {
  AppContext app = makeContext(o);
  db::Database db({dbUrl(o), 0});
  prepareSchema(db);
  auto sql = db.connect();
  if (auto p = iam::passwordProblem(o.password)) throw std::invalid_argument("--password " + *p);
  soci::transaction tx(*sql);
  Actor actor{0, "cli", "127.0.0.1", "cli"};
  long long rootId = 0;
  soci::indicator ind = soci::i_null;
  *sql << "SELECT id FROM region_node WHERE parent_id IS NULL ORDER BY id LIMIT 1",
      soci::into(rootId, ind);
  if (ind != soci::i_ok) rootId = region::createRoot(*sql, actor, {o.city, 0, 0, true, ""}).id;
  int64_t roleId = iam::builtinAdminRoleId(*sql);
  if (!roleId)
    roleId = iam::createRoleUnchecked(*sql, actor, "超级管理员", "super_admin", rootId,
                                      iam::allPermissionCodes());
  iam::NewAccount a;
  a.username = o.username;
  a.nickname = "管理员";
  a.regionId = rootId;
  a.roleIds = {roleId};
  a.password = o.password;
  a.mustChangePassword = true;
  iam::createAccountUnchecked(*sql, app, actor, a);
  tx.commit();
  std::cout << "created administrator " << o.username
            << " (must change the password at first login)\n";
  return 0;
}

int printRoutes() {
  http::Routes routes;
  registerAll(routes);
  for (const auto& r : routes.all())
    std::cout << r.method << " " << http::openApiPath(r.path) << " " << r.perm << "\n";
  for (const char* p : {"/healthz", "/readyz", "/metrics"}) std::cout << "GET " << p << " public\n";
  return 0;
}

}  // namespace fy::app
