#pragma once
#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace soci {
class session;
}
namespace fy {
struct AppContext;
}
namespace fy::db {
class Database;
}
namespace fy::http {
class Routes;
}

namespace fy::notify {

// Queues one SMS in the durable outbox, inside the caller's transaction: if the change that
// causes the message rolls back, so does the message.
void enqueue(soci::session& sql, AppContext& app, const std::string& phone,
             const std::string& templateCode, const std::map<std::string, std::string>& vars,
             const std::string& regionPath);

// The template with each {name} that `vars` knows replaced by its value, in one pass: a value
// is never read as a placeholder itself (a citizen may be named "{code}").
std::string render(const std::string& tmpl, const std::map<std::string, std::string>& vars);

struct Message {
  std::string phoneEnc, phoneMask;  // sealed by the caller's vault (the same key as the outbox)
  std::map<std::string, std::string> vars;
  std::string regionPath;
};
// Many messages of one template at once (a batch of bookings), same transaction rule.
void enqueueAll(soci::session& sql, const std::string& templateCode,
                const std::vector<Message>& msgs);

// Where messages go. Production plugs in an HTTP gateway; the default appends to a file.
class Sender {
 public:
  virtual ~Sender() = default;
  virtual bool send(const std::string& phone, const std::string& content, std::string& error) = 0;
};

std::unique_ptr<Sender> makeLogSender(const std::string& file);

// Claims due messages (safe with several server processes), sends them, and retries failures
// with back-off until five attempts are spent.
class Dispatcher {
 public:
  Dispatcher(db::Database& db, AppContext& app, std::unique_ptr<Sender> sender);
  ~Dispatcher();
  void start();
  void stop();
  int runOnce();  // returns how many messages it handled

 private:
  db::Database& db_;
  AppContext& app_;
  std::unique_ptr<Sender> sender_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

void registerRoutes(http::Routes& routes);

}  // namespace fy::notify
