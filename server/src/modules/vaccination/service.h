#pragma once
// Vaccination appointments (SPEC V1–V15): what the rest of the server may call.
#include <atomic>
#include <string>
#include <thread>

#include "common/principal.h"

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

namespace fy::vax {

void registerRoutes(http::Routes& routes);

// Demo data: a site per street, slots for the coming days, a staff pass code and past doses
// so that statistics have something to show. Returns "name / pass code" of one staff member.
std::string seedDemo(soci::session& sql, AppContext& app, const Principal& root);

// Releases unattended bookings and queues day-before reminders. Every change is a
// conditional UPDATE inside one write transaction, so each happens exactly once even with
// several server processes, and whatever fell due while the server was down runs at start.
class Jobs {
 public:
  Jobs(db::Database& db, AppContext& app) : db_(db), app_(app) {}
  ~Jobs();
  void start();
  void stop();

 private:
  db::Database& db_;
  AppContext& app_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace fy::vax
