#pragma once
// The flash-crowd booking executor (DESIGN: group commit, SPEC V6). A request is parsed,
// checked and sealed on its I/O thread; the writer then takes every booking waiting and runs
// them in one transaction: per slot one read and one conditional UPDATE, the bookings,
// their SMS and audit rows in a few multi-row statements; it commits once and answers each.
// A slot known to be full is answered from memory (board.h).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "http/api.h"
#include "modules/vaccination/board.h"
#include "modules/vaccination/internal.h"

namespace fy::vax {

// 409 slot_full for a slot known full; quiet: a sold-out crowd is not logged line by line.
http::Response slotFullAnswer(const std::string& requestId);

class Engine {
 public:
  Engine(db::Database& db, AppContext& app, const std::string& dbUrl);
  ~Engine();
  void start();  // learns which slots are full, starts listening for other nodes
  void stop();

  SlotBoard& board() { return board_; }
  // Seals the person's data here, on the caller's thread, and answers through `reply` once
  // the booking's batch has committed and is on disk (or with the problem that refused it).
  void book(BookInput in, const Actor& actor, http::Reply reply);
  // On a slot known full: true when the slot's keys are known and this request's key (of the
  // person with this normalised ID number) is not among them, so it can be refused at once.
  bool refusesKey(int64_t slotId, const std::string& idNumber, const std::string& key);
  // A booking request came, to be answered or refused: the crowd has not passed yet.
  void arrived() {
    lastArrival_.store(std::chrono::steady_clock::now().time_since_epoch().count(),
                       std::memory_order_relaxed);
  }

  static constexpr size_t kMaxBatch = 512;

 private:
  struct Pending;
  using Batch = std::vector<std::unique_ptr<Pending>>;
  void schedule();
  void run(soci::session& sql, Batch& batch);
  void ended(const std::shared_ptr<Batch>& batch, std::exception_ptr e);
  void settled(const std::shared_ptr<Batch>& batch, std::exception_ptr e);
  void answer(Batch& batch, std::exception_ptr error);
  void answerLoop();
  // Keyed requests on a slot known full: their keys are looked up in batches, on a reader.
  struct KeyCheck {
    std::string storedKey, requestId;
    http::Reply reply;
  };
  void bookOnFull(int64_t slotId, std::string storedKey, const std::string& requestId,
                  http::Reply reply);
  bool refusedFromMemory(int64_t slotId, const std::string& storedKey);
  void readKeysOfFull(int64_t slotId);
  void checkKeyOnFull(KeyCheck c);
  void readKeyChecks();
  // Answers every check, then rethrows a database error of the batch's read.
  void answerKeyChecks(soci::session& sql, std::vector<KeyCheck>& checks);
  void failKeyChecks();
  // The search terms of the crowd's bookings, written once it has passed.
  void termsLoop();
  static constexpr int kTermsBatch = 500;

  db::Database& db_;
  AppContext& app_;
  SlotBoard board_;
  std::mutex mu_;
  std::deque<std::unique_ptr<Pending>> queue_;
  const int workers_;  // batches written at once
  int running_ = 0;
  std::deque<KeyCheck> keyChecks_;
  bool checkingKeys_ = false;    // a read job for keyChecks_ is queued or running
  bool termsBehind_ = true;      // bookings may wait for their search terms
  bool writingTerms_ = false;    // a writeQueuedTerms job is queued or running
  bool termsRoundDone_ = false;  // a round ended: the next may start at once
  std::atomic<std::chrono::steady_clock::rep> lastArrival_{0};
  std::condition_variable termsCv_;
  std::thread termsWriter_;
  std::atomic<uint64_t> keyedFullFromMemory_{0}, keyedFullRead_{0}, termsWritten_{0};
  std::deque<std::pair<std::shared_ptr<Batch>, std::exception_ptr>> answers_;
  std::condition_variable answerCv_;
  bool stopping_ = false;
  std::thread answerer_;
};

}  // namespace fy::vax
