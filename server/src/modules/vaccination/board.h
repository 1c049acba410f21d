#pragma once
// What this process knows of full slots, so that a sold-out release is answered from memory
// (DESIGN: flash crowd). That knowledge never outlives a change that frees places: every slot
// has a generation, bumped after each commit that frees places (cancel, release, quota added,
// slot edited). The generations live in shared memory beside the SQLite file, so every process
// on the machine sees a bump at once; on PostgreSQL each node keeps its own and learns of other
// nodes' bumps through LISTEN/NOTIFY. A "full" mark records the generation read before the
// transaction that found the slot full; any bump since voids it.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace soci {
class session;
}
namespace fy::db {
class Database;
}

namespace fy::vax {

class SlotBoard {
 public:
  // dbUrl "sqlite:PATH" shares generations through PATH-slots.shm; PostgreSQL listens.
  SlotBoard(db::Database& db, const std::string& dbUrl);
  ~SlotBoard();
  SlotBoard(const SlotBoard&) = delete;
  SlotBoard& operator=(const SlotBoard&) = delete;

  void start();
  void stop();

  uint64_t generation(int64_t slotId) const;
  bool full(int64_t slotId) const;
  // After a commit that found the slot full; `gen` = generation(slotId) read before it began.
  void markFull(int64_t slotId, uint64_t gen);
  // After a commit that freed places of the slot (see placesFreed).
  void bump(int64_t slotId) { gen(slotId).fetch_add(1, std::memory_order_acq_rel); }
  // Voids every mark (a missed notification, a connection lost).
  void forgetAll();

  // The idempotency keys of a full slot's bookings, so that a keyed request (the citizens' page
  // keys every booking) is refused from memory too unless its key may have booked. Keys are
  // kept as 64-bit fingerprints: a false match only sends the request to the database read.
  enum class KeySeen { unknown, absent, maybe };
  KeySeen keySeen(int64_t slotId, uint64_t fingerprint) const;
  // True once per full mark: the caller is to read the slot's keys and hand them to
  // `keysRead` with the generation returned in `gen`.
  bool claimKeyRead(int64_t slotId, uint64_t& gen);
  // Taken only if the slot is still full under `gen`, and the read began after that mark,
  // which came after the commit that took the last place: every booking of the slot is in it.
  void keysRead(int64_t slotId, uint64_t gen, std::vector<uint64_t> fingerprints);
  void keysLost(int64_t slotId, uint64_t gen);  // the read failed: the next request claims it
  // PostgreSQL: numbers this node's notices and waits until the listener has heard one.
  uint64_t nextNotice();
  void awaitNotice(uint64_t n, std::chrono::milliseconds limit);

 private:
  static constexpr size_t kGens = 4096;
  std::atomic<uint64_t>& gen(int64_t slotId) const { return gens_[slotId % kGens]; }
  void listen();
  void heard(const std::string& payload);

  db::Database& db_;
  bool postgres_;
  std::atomic<uint64_t>* gens_ = nullptr;
  void* map_ = nullptr;  // the shared mapping (SQLite), else null
  mutable std::mutex mu_;
  mutable std::unordered_map<int64_t, uint64_t> full_;
  struct Keys {
    uint64_t gen = 0;
    bool ready = false;            // false: being read
    std::vector<uint64_t> sorted;  // fingerprints
  };
  mutable std::unordered_map<int64_t, Keys> keys_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> listening_{false};  // PostgreSQL: marks are kept only while we hear notices
  std::thread listener_;
  std::atomic<uint64_t> sent_{0};
  std::mutex noticeMu_;
  std::condition_variable noticeCv_;
  uint64_t heard_ = 0;
};

// Inside a transaction that frees places of a slot (a cancel, a release, more quota): every
// process forgets that the slot was full once it commits. A free function because cancels
// happen deep in services that hold no engine; the board of this process registers itself.
void placesFreed(soci::session& sql, int64_t slotId);

}  // namespace fy::vax
