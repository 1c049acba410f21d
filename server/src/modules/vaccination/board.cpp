#include "modules/vaccination/board.h"

#include <fcntl.h>
#include <libpq-fe.h>
#include <poll.h>
#include <soci/postgresql/soci-postgresql.h>
#include <spdlog/spdlog.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>

#include "common/thread_name.h"
#include "db/database.h"
#include "db/soci.h"
#include "modules/vaccination/repo.h"

namespace fy::vax {

namespace {
constexpr const char* kChannel = "fy_slot_freed";
std::atomic<SlotBoard*> activeBoard{nullptr};
static_assert(std::atomic<uint64_t>::is_always_lock_free, "shared counters must be lock-free");
}  // namespace

SlotBoard::SlotBoard(db::Database& db, const std::string& dbUrl)
    : db_(db), postgres_(db.dialect() == db::Dialect::Postgres) {
  const size_t bytes = kGens * sizeof(std::atomic<uint64_t>);
  if (!postgres_) {
    std::string path = dbUrl.substr(7) + "-slots.shm";
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) throw std::runtime_error("cannot open " + path);
    if (::ftruncate(fd, static_cast<off_t>(bytes)) != 0) {
      ::close(fd);
      throw std::runtime_error("cannot size " + path);
    }
    map_ = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ::close(fd);
    if (map_ == MAP_FAILED) throw std::runtime_error("cannot map " + path);
    gens_ = static_cast<std::atomic<uint64_t>*>(map_);  // zero-filled when new
  } else {
    gens_ = new std::atomic<uint64_t>[kGens]();
  }
}

SlotBoard::~SlotBoard() {
  stop();
  if (map_)
    ::munmap(map_, kGens * sizeof(std::atomic<uint64_t>));
  else
    delete[] gens_;
}

void SlotBoard::start() {
  activeBoard = this;
  if (!postgres_) return;
  listener_ = std::thread([this] {
    nameThread("fy-board");
    listen();
  });
  // Marks are kept only while notices are heard: let the listener come up before the
  // full slots are loaded (at most 2 s; without it they are learned by the first batch).
  for (int i = 0; i < 200 && !listening_; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

void SlotBoard::stop() {
  SlotBoard* self = this;
  activeBoard.compare_exchange_strong(self, nullptr);
  stop_ = true;
  if (listener_.joinable()) listener_.join();
}

uint64_t SlotBoard::generation(int64_t slotId) const {
  return gen(slotId).load(std::memory_order_acquire);
}

bool SlotBoard::full(int64_t slotId) const {
  std::lock_guard lk(mu_);
  auto it = full_.find(slotId);
  if (it == full_.end()) return false;
  if (it->second == generation(slotId)) return true;
  full_.erase(it);
  keys_.erase(slotId);
  return false;
}

void SlotBoard::markFull(int64_t slotId, uint64_t g) {
  if (postgres_ && !listening_) return;
  std::lock_guard lk(mu_);
  if (generation(slotId) == g) full_[slotId] = g;
}

void placesFreed(soci::session& sql, int64_t slotId) {
  SlotBoard* board = activeBoard.load();
  if (db::dialectOf(sql) != db::Dialect::Postgres) {
    if (board) db::afterCommit([board, slotId] { board->bump(slotId); });
    return;
  }
  // PostgreSQL: every node hears "<slot>:<pid>:<n>" at commit. Before the freeing request is
  // answered, this node waits (briefly) to hear its own notice: PostgreSQL signals all
  // listeners at once, so by then the other nodes have heard it too, and a client that
  // cancels on one node and books on another finds the place.
  uint64_t n = board ? board->nextNotice() : 0;
  repo::notifyChannel(
      sql, kChannel,
      std::to_string(slotId) + ":" + std::to_string(::getpid()) + ":" + std::to_string(n));
  db::afterCommit([board, slotId, n] {
    if (!board) return;
    board->bump(slotId);
    board->awaitNotice(n, std::chrono::milliseconds(200));
  });
}

uint64_t SlotBoard::nextNotice() { return sent_.fetch_add(1) + 1; }

void SlotBoard::awaitNotice(uint64_t n, std::chrono::milliseconds limit) {
  std::unique_lock lk(noticeMu_);
  noticeCv_.wait_for(lk, limit, [&] { return heard_ >= n || !listening_; });
}

void SlotBoard::heard(const std::string& payload) {
  // "<slot>:<pid>:<n>"; a bare "<slot>" is accepted too.
  size_t a = payload.find(':');
  bump(std::stoll(payload.substr(0, a)));
  if (a == std::string::npos) return;
  size_t b = payload.find(':', a + 1);
  if (b == std::string::npos || std::stoll(payload.substr(a + 1, b - a - 1)) != ::getpid()) return;
  uint64_t n = std::stoull(payload.substr(b + 1));
  {
    std::lock_guard lk(noticeMu_);
    heard_ = std::max(heard_, n);
  }
  noticeCv_.notify_all();
}

void SlotBoard::forgetAll() {
  std::lock_guard lk(mu_);
  full_.clear();
  keys_.clear();
}

SlotBoard::KeySeen SlotBoard::keySeen(int64_t slotId, uint64_t fingerprint) const {
  std::lock_guard lk(mu_);
  auto it = keys_.find(slotId);
  if (it == keys_.end() || !it->second.ready) return KeySeen::unknown;
  auto f = full_.find(slotId);
  if (f == full_.end() || f->second != it->second.gen || it->second.gen != generation(slotId)) {
    keys_.erase(it);  // places were freed since: the keys may have grown
    return KeySeen::unknown;
  }
  const auto& v = it->second.sorted;
  return std::binary_search(v.begin(), v.end(), fingerprint) ? KeySeen::maybe : KeySeen::absent;
}

bool SlotBoard::claimKeyRead(int64_t slotId, uint64_t& gen) {
  std::lock_guard lk(mu_);
  auto f = full_.find(slotId);
  if (f == full_.end() || f->second != generation(slotId)) return false;
  auto it = keys_.find(slotId);
  if (it != keys_.end() && it->second.gen == f->second) return false;  // read or being read
  gen = f->second;
  keys_[slotId] = Keys{gen, false, {}};
  return true;
}

void SlotBoard::keysRead(int64_t slotId, uint64_t gen, std::vector<uint64_t> fingerprints) {
  std::sort(fingerprints.begin(), fingerprints.end());
  std::lock_guard lk(mu_);
  auto it = keys_.find(slotId);
  if (it == keys_.end() || it->second.gen != gen) return;
  auto f = full_.find(slotId);
  if (f == full_.end() || f->second != gen || generation(slotId) != gen) {
    keys_.erase(it);
    return;
  }
  it->second.sorted = std::move(fingerprints);
  it->second.ready = true;
}

void SlotBoard::keysLost(int64_t slotId, uint64_t gen) {
  std::lock_guard lk(mu_);
  if (auto it = keys_.find(slotId); it != keys_.end() && it->second.gen == gen) keys_.erase(it);
}

// PostgreSQL: one connection of its own waits for other nodes' "places freed" notices.
void SlotBoard::listen() {
  while (!stop_) {
    db::Session sql;
    try {
      sql = db_.connect();
      *sql << (std::string("LISTEN ") + kChannel);
      // Anything freed while we were not listening is unknown: start from nothing.
      forgetAll();
      listening_ = true;
      PGconn* conn = static_cast<soci::postgresql_session_backend*>(sql->get_backend())->conn_;
      while (!stop_) {
        pollfd p{PQsocket(conn), POLLIN, 0};
        if (::poll(&p, 1, 200) < 0) continue;
        if (!PQconsumeInput(conn)) throw std::runtime_error(PQerrorMessage(conn));
        while (PGnotify* n = PQnotifies(conn)) {
          try {
            heard(n->extra);
          } catch (const std::exception&) {
            forgetAll();
          }
          PQfreemem(n);
        }
      }
      listening_ = false;
    } catch (const std::exception& e) {
      listening_ = false;
      forgetAll();
      spdlog::warn("slot notices: {} (reconnecting)", e.what());
      for (int i = 0; i < 10 && !stop_; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
}

}  // namespace fy::vax
