#include "modules/notify/service.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <fstream>
#include <future>
#include <mutex>

#include "app/context.h"
#include "common/clock.h"
#include "common/idnumber.h"
#include "common/problem.h"
#include "common/thread_name.h"
#include "db/database.h"
#include "db/soci.h"
#include "http/api.h"
#include "http/json_in.h"
#include "modules/audit/service.h"
#include "modules/notify/repo.h"

namespace fy::notify {

namespace {

class LogSender : public Sender {
 public:
  explicit LogSender(std::string file) : file_(std::move(file)) {}
  bool send(const std::string& phone, const std::string& content, std::string& error) override {
    std::lock_guard lk(mu_);
    std::ofstream out(file_, std::ios::app);
    if (!out) {
      error = "cannot open " + file_;
      return false;
    }
    // The log stands in for the handset, but still never holds a full phone number.
    out << Clock::nowMs() << "\t" << idnum::maskPhone(phone) << "\t" << content << "\n";
    return static_cast<bool>(out);
  }

 private:
  std::string file_;
  std::mutex mu_;
};

}  // namespace

std::string render(const std::string& tmpl, const std::map<std::string, std::string>& vars) {
  std::string out;
  out.reserve(tmpl.size() + 64);
  size_t done = 0;
  for (size_t open = tmpl.find('{'); open != std::string::npos; open = tmpl.find('{', open + 1)) {
    size_t close = tmpl.find('}', open + 1);
    if (close == std::string::npos) break;
    auto it = vars.find(tmpl.substr(open + 1, close - open - 1));
    if (it == vars.end()) continue;
    out.append(tmpl, done, open - done).append(it->second);
    done = close + 1;
    open = close;
  }
  return out.append(tmpl, done);
}

std::unique_ptr<Sender> makeLogSender(const std::string& file) {
  return std::make_unique<LogSender>(file);
}

void enqueue(soci::session& sql, AppContext& app, const std::string& phone,
             const std::string& templateCode, const std::map<std::string, std::string>& vars,
             const std::string& regionPath) {
  auto tmpl = repo::templateContent(sql, templateCode);
  if (!tmpl) throw std::runtime_error("unknown SMS template " + templateCode);
  repo::insertSms(sql, app.vault.seal(phone), idnum::maskPhone(phone), templateCode,
                  render(*tmpl, vars), regionPath, Clock::nowMs());
}

void enqueueAll(soci::session& sql, const std::string& templateCode,
                const std::vector<Message>& msgs) {
  if (msgs.empty()) return;
  auto tmpl = repo::templateContent(sql, templateCode);
  if (!tmpl) throw std::runtime_error("unknown SMS template " + templateCode);
  std::vector<repo::NewSms> rows;
  rows.reserve(msgs.size());
  for (const auto& m : msgs)
    rows.push_back({m.phoneEnc, m.phoneMask, render(*tmpl, m.vars), m.regionPath});
  repo::insertAllSms(sql, templateCode, rows, Clock::nowMs());
}

Dispatcher::Dispatcher(db::Database& db, AppContext& app, std::unique_ptr<Sender> sender)
    : db_(db), app_(app), sender_(std::move(sender)) {}

Dispatcher::~Dispatcher() { stop(); }

void Dispatcher::start() {
  thread_ = std::thread([this] {
    nameThread("fy-sms");
    while (!stop_.load()) {
      try {
        if (runOnce() > 0) continue;
      } catch (const std::exception& e) {
        spdlog::warn("SMS dispatch: {}", e.what());
      }
      for (int i = 0; i < 10 && !stop_.load(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
}

void Dispatcher::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

int Dispatcher::runOnce() {
  // Both steps go through the writer so that claims and outcomes are durable.
  auto claim = std::make_shared<std::promise<std::vector<repo::Due>>>();
  auto claimed = std::make_shared<std::vector<repo::Due>>();
  db_.write(
      {[claimed](soci::session& sql) { *claimed = repo::claimDue(sql, Clock::nowMs(), 60000, 50); },
       [claim, claimed](std::exception_ptr e) {
         if (e)
           claim->set_exception(e);
         else
           claim->set_value(*claimed);
       }});
  auto due = claim->get_future().get();
  if (due.empty()) return 0;
  struct Outcome {
    int64_t id;
    bool ok;
    int attempts;
    std::string error;
  };
  auto outcomes = std::make_shared<std::vector<Outcome>>();
  for (const auto& d : due) {
    std::string err;
    bool ok = false;
    try {
      ok = sender_->send(app_.vault.open(d.phoneEnc), d.content, err);
    } catch (const std::exception& e) {
      err = e.what();
    }
    outcomes->push_back({d.id, ok, d.attempts + 1, err});
  }
  auto saved = std::make_shared<std::promise<void>>();
  db_.write({[outcomes](soci::session& sql) {
               int64_t now = Clock::nowMs();
               for (const auto& o : *outcomes) {
                 if (o.ok)
                   repo::markSent(sql, o.id, now);
                 else
                   repo::markFailed(sql, o.id, o.attempts, o.error,
                                    now + (int64_t{1} << std::min(o.attempts, 10)) * 1000,
                                    o.attempts >= 5);
               }
             },
             [saved](std::exception_ptr e) {
               if (e)
                 saved->set_exception(e);
               else
                 saved->set_value();
             }});
  saved->get_future().get();
  return static_cast<int>(due.size());
}

void registerRoutes(http::Routes& routes) {
  using http::Ctx;
  using http::Response;
  routes.get("/api/v1/notify/sms", "notify:sms:list", [](Ctx& c) {
    auto page = c.page();
    repo::SmsFilter f;
    f.scopePath = c.user().regionPath;
    f.status = c.query("status");
    if (f.status && *f.status != "pending" && *f.status != "sent" && *f.status != "failed")
      throw Problem(400, "invalid_query", "status must be pending, sent or failed",
                    {{"status", "invalid", "must be pending, sent or failed"}});
    f.offset = page.offset();
    f.limit = page.size;
    return Response::ok(repo::listSms(c.sql, f));
  });
  routes.get("/api/v1/notify/templates", "notify:sms:list",
             [](Ctx& c) { return Response::ok(repo::listTemplates(c.sql)); });
  routes.put("/api/v1/notify/templates/:code([a-z_]+)", "notify:template:update", [](Ctx& c) {
    auto body = c.body();
    http::JsonIn in(body);
    std::string content = in.str("content", {.max = 300});
    in.done();
    // Templates serve the whole city, so only a city-level account may change them.
    if (c.user().regionLevel != 1)
      throw Problem::forbidden("scope_too_narrow", "only city-level accounts edit SMS templates");
    std::string code = c.req.params.at("code");
    auto before = repo::templateJson(c.sql, code);
    if (!before) throw Problem::notFound("template " + code);
    repo::updateTemplate(c.sql, code, content, Clock::nowMs());
    auto after = repo::templateJson(c.sql, code);
    audit::record(c.sql, c.actor(),
                  {"update", "notify_template", 0, c.user().regionPath, "修改短信模板 " + code,
                   *before, *after});
    return Response::ok(*after);
  });
}

}  // namespace fy::notify
