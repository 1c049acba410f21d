// Automatic release (V10) and day-before reminders (V8).
#include <spdlog/spdlog.h>

#include <chrono>
#include <future>
#include <memory>

#include "app/context.h"
#include "common/clock.h"
#include "common/thread_name.h"
#include "db/database.h"
#include "modules/vaccination/internal.h"
#include "modules/vaccination/repo.h"
#include "modules/vaccination/rules.h"
#include "modules/vaccination/service.h"

namespace fy::vax {

JobCounts runDueJobs(soci::session& sql, AppContext& app, int64_t now) {
  JobCounts n;
  const Actor system{0, "system", "", ""};
  for (int64_t id : repo::dueReleases(sql, now, 500))
    if (releaseDue(sql, app, id, now)) ++n.released;
  for (int64_t id : repo::dueReminders(sql, now, 500))
    if (remindDue(sql, app, id)) ++n.reminded;
  return n;
}

Jobs::~Jobs() { stop(); }

void Jobs::start() {
  thread_ = std::thread([this] {
    nameThread("fy-jobs");
    while (!stop_.load()) {
      auto done = std::make_shared<std::promise<void>>();
      auto fut = done->get_future();
      db_.write({[this](soci::session& sql) {
                   auto n = runDueJobs(sql, app_, Clock::nowMs());
                   if (n.released || n.reminded)
                     spdlog::info("vaccination jobs: {} released, {} reminders", n.released,
                                  n.reminded);
                 },
                 [done](std::exception_ptr e) {
                   if (e) try {
                       std::rethrow_exception(e);
                     } catch (const std::exception& ex) {
                       spdlog::warn("vaccination jobs: {}", ex.what());
                     }
                   done->set_value();
                 }});
      fut.wait();
      for (int i = 0; i < 100 && !stop_.load(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
}

void Jobs::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

}  // namespace fy::vax
