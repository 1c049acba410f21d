// Automatic release (V10) and day-before reminders (V8).
#include <spdlog/spdlog.h>

#include <chrono>
#include <future>
#include <memory>

#include "app/context.h"
#include "common/clock.h"
#include "db/database.h"
#include "modules/audit/service.h"
#include "modules/notify/service.h"
#include "modules/vaccination/internal.h"
#include "modules/vaccination/repo.h"
#include "modules/vaccination/rules.h"
#include "modules/vaccination/service.h"

namespace fy::vax {

namespace {
std::string window(const Booking& b) {
  return b.day + " " + rules::hm(b.startMin) + "-" + rules::hm(b.endMin);
}

void notifyBooking(soci::session& sql, AppContext& app, const Booking& b, const char* tmpl) {
  if (b.phoneEnc.empty()) return;
  notify::enqueue(sql, app, app.vault.open(b.phoneEnc), tmpl,
                  {{"name", b.name},
                   {"vaccine", b.vaccineName},
                   {"dose", std::to_string(b.doseNo)},
                   {"time", window(b)},
                   {"site", b.siteName},
                   {"code", b.code}},
                  b.regionPath);
}
}  // namespace

JobCounts runDueJobs(soci::session& sql, AppContext& app, int64_t now) {
  JobCounts n;
  const Actor system{0, "system", "", ""};
  for (int64_t id : repo::dueReleases(sql, now, 500)) {
    auto b = repo::booking(sql, id);
    // The conditional UPDATE decides: a booking checked in, vaccinated or released by another
    // process meanwhile is left alone.
    if (!b || !repo::cancel(sql, id, "system", "超时未登记/接种，系统自动释放", false, now))
      continue;
    if (b->slotId) repo::givePlaceBack(sql, *b->slotId, now);
    repo::bumpGrid(sql, b->gridId, b->vaccineId, b->doseNo, -1, 0);
    repo::bumpDay(sql, b->streetId, rules::localDay(now), 0, 0, 1);
    notifyBooking(sql, app, *b, "vax_released");
    audit::record(
        sql, system,
        {"release", "vax_booking", id, b->regionPath, "智能释放：超时未接种自动取消",
         json{{"status", "booked"}}, json{{"status", "cancelled"}, {"cancelBy", "system"}}});
    ++n.released;
  }
  for (int64_t id : repo::dueReminders(sql, now, 500)) {
    auto b = repo::booking(sql, id);
    if (!b || !repo::clearRemind(sql, id)) continue;
    notifyBooking(sql, app, *b, "vax_reminder");
    ++n.reminded;
  }
  return n;
}

Jobs::~Jobs() { stop(); }

void Jobs::start() {
  thread_ = std::thread([this] {
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
