// The search keyer (see SearchKeyer in service.h).
#include <spdlog/spdlog.h>

#include <chrono>
#include <future>

#include "db/database.h"
#include "modules/vaccination/repo.h"
#include "modules/vaccination/service.h"

namespace fy::vax {

namespace {
// Each transaction joins the booking batch that the writer runs beside it: a small one delays
// that batch by milliseconds, not by the whole backlog. A full one is followed at once.
constexpr int kPerTransaction = 4'000;
}  // namespace

SearchKeyer::~SearchKeyer() { stop(); }

int SearchKeyer::runOnce() {
  // A read first: an idle server writes nothing (and counts no write) once a second.
  auto waiting = std::make_shared<std::promise<bool>>();
  auto any = waiting->get_future();
  db_.read([waiting](soci::session& sql) {
    try {
      waiting->set_value(repo::anyUnkeyed(sql));
    } catch (...) {
      waiting->set_value(true);  // let the write say what is wrong
    }
  });
  // A read that never ran (no connection) is a round skipped, not a keyer stuck.
  if (any.wait_for(std::chrono::seconds(10)) != std::future_status::ready || !any.get()) return 0;
  auto taken = std::make_shared<std::promise<int>>();
  auto fut = taken->get_future();
  auto n = std::make_shared<int>(0);
  db_.write({[n](soci::session& sql) { *n = repo::keyPending(sql, kPerTransaction); },
             [taken, n](std::exception_ptr e) {
               if (e) try {
                   std::rethrow_exception(e);
                 } catch (const std::exception& ex) {
                   spdlog::warn("search keys: {}", ex.what());
                 }
               taken->set_value(e ? 0 : *n);
             }});
  return fut.get();
}

void SearchKeyer::start() {
  thread_ = std::thread([this] {
    std::unique_lock lk(mu_);
    while (!stop_) {
      lk.unlock();
      const int n = runOnce();
      lk.lock();
      if (n < kPerTransaction) cv_.wait_for(lk, std::chrono::seconds(1), [this] { return stop_; });
    }
  });
}

void SearchKeyer::stop() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace fy::vax
