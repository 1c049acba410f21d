#include "db/database.h"

#include <fcntl.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/sqlite3/soci-sqlite3.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <stdexcept>

#include "common/thread_name.h"
#include "db/page_cache.h"
#include "db/prepared.h"
#include "db/soci.h"
#include "db/wal_vfs.h"

namespace fy::db {

Dialect dialectOf(const std::string& url) {
  if (url.rfind("sqlite:", 0) == 0) return Dialect::Sqlite;
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0)
    return Dialect::Postgres;
  throw std::invalid_argument("--db must be sqlite:PATH or postgresql://...");
}

std::string loggable(const std::exception& e) {
  std::string what = e.what();
  return what.substr(0, std::min(what.find(" with :"), what.find("DETAIL")));
}

std::string loggable(std::exception_ptr e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    return loggable(x);
  } catch (...) {
    return "unknown error";
  }
}

Dialect dialectOf(soci::session& sql) {
  std::string name = sql.get_backend_name();
  if (name == "sqlite3") return Dialect::Sqlite;
  if (name == "postgresql") return Dialect::Postgres;
  throw std::logic_error("unsupported database backend " + name);
}

// libpq accepts URLs, but SOCI's connection-string handling mangles them, so hand it the
// keyword=value form: postgresql://user:pw@host:port/db?k=v -> "user=.. password=.. host=.."
std::string pgConnInfo(const std::string& url) {
  std::string rest = url.substr(url.find("://") + 3);
  std::string params;
  if (auto q = rest.find('?'); q != std::string::npos) {
    params = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  std::string out;
  auto add = [&](const std::string& k, const std::string& v) {
    if (!v.empty()) out += k + "='" + v + "' ";
  };
  std::string db;
  if (auto slash = rest.find('/'); slash != std::string::npos) {
    db = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
  }
  if (auto at = rest.rfind('@'); at != std::string::npos) {
    std::string cred = rest.substr(0, at);
    rest = rest.substr(at + 1);
    auto colon = cred.find(':');
    add("user", cred.substr(0, colon));
    if (colon != std::string::npos) add("password", cred.substr(colon + 1));
  }
  auto colon = rest.rfind(':');
  add("host", rest.substr(0, colon));
  if (colon != std::string::npos) add("port", rest.substr(colon + 1));
  add("dbname", db);
  size_t pos = 0;
  while (pos < params.size()) {
    size_t amp = params.find('&', pos);
    std::string kv = params.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
    if (auto eq = kv.find('='); eq != std::string::npos) add(kv.substr(0, eq), kv.substr(eq + 1));
    pos = amp == std::string::npos ? params.size() : amp + 1;
  }
  return out;
}

namespace {
thread_local std::vector<std::function<void()>>* pendingAfterCommit = nullptr;

// Before SQLite's first use. Each connection here belongs to one thread at a time (the
// threading rule), so SQLite's own per-call mutexes only cost; nothing reads its memory
// statistics, whose upkeep takes a global mutex on every allocation.
void configureSqliteOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    sqlite_api::sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
    sqlite_api::sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    // Before the VFS: registering one initialises SQLite, after which its cache is fixed.
    if (!installPageCache())
      spdlog::warn("SQLite was in use before its page cache could be set: commits walk it all");
    installWalVfs();
  });
}
}  // namespace

void afterCommit(std::function<void()> fn) {
  if (pendingAfterCommit)
    pendingAfterCommit->push_back(std::move(fn));
  else
    fn();
}

Database::Database(Config cfg) : cfg_(std::move(cfg)), dialect_(dialectOf(cfg_.url)) {}

Database::~Database() { stop(); }

void CloseSession::operator()(soci::session* s) const {
  forgetStatements(*s);
  delete s;
}

Session Database::connect() const {
  Session s(new soci::session());
  if (dialect_ == Dialect::Sqlite) {
    configureSqliteOnce();
    std::string path = cfg_.url.substr(7);
    s->open(soci::sqlite3, "db=" + path + " timeout=10 shared_cache=false");
    // Pages of 2 KiB in a new database (an existing one keeps its own): a booking dirties one
    // page of the person index at a random place, and that page is written whole to the log,
    // copied by the checkpoint and synced. Half the page, a quarter less written per booking
    // under a crowd (bench/README.md). A booking row (about 440 bytes) fits four to a page.
    *s << "PRAGMA page_size=2048";
    *s << "PRAGMA journal_mode=WAL";
    *s << "PRAGMA synchronous=FULL";
    *s << "PRAGMA foreign_keys=ON";
    *s << "PRAGMA busy_timeout=10000";
  } else {
    s->open(soci::postgresql, pgConnInfo(cfg_.url));
    *s << "SET synchronous_commit = on";
    *s << "SET TIME ZONE 'UTC'";
    *s << "SET client_min_messages = warning";
    // Every query here is short. With statistics lagging a flash crowd, the planner's cost
    // estimates grow until it compiles plans (36 ms measured for a 2 ms batch read).
    *s << "SET jit = off";
  }
  return s;
}

void Database::start() {
  // Set before any writer runs: the writers read them without a lock.
  if (dialect_ == Dialect::Sqlite) {
    const std::string path = cfg_.url.substr(7);
    deferSync_ = !path.empty() && path != ":memory:";
    walPath_ = path + "-wal";
  }
  for (int i = 0; i < writers(); ++i) writers_.emplace_back([this, i] { writerLoop(i); });
  if (dialect_ == Dialect::Sqlite) {
    if (deferSync_) syncer_ = std::thread([this] { syncLoop(); });
    checkpointer_ = std::thread([this] { checkpointLoop(); });
  }
  for (int i = 0; i < cfg_.readers; ++i) readers_.emplace_back([this, i] { readerLoop(i); });
}

void Database::stop() {
  if (stopping_.exchange(true)) return;
  wcv_.notify_all();
  rcv_.notify_all();
  for (auto& t : writers_)
    if (t.joinable()) t.join();
  {
    std::lock_guard lk(smu_);
    syncStop_ = true;
  }
  scv_.notify_all();
  if (syncer_.joinable()) syncer_.join();
  if (walFd_ >= 0) ::close(walFd_);
  if (checkpointer_.joinable()) checkpointer_.join();
  for (auto& t : readers_)
    if (t.joinable()) t.join();
}

void Database::write(WriteJob job) {
  {
    std::lock_guard lk(wmu_);
    wq_.push_back(std::move(job));
  }
  wcv_.notify_all();  // writer 0 may be the only one that takes it
}

void Database::writeParallel(WriteJob job) {
  {
    std::lock_guard lk(wmu_);
    pq_.push_back(std::move(job));
  }
  wcv_.notify_one();
}

int Database::writers() const {
  return dialect_ == Dialect::Sqlite ? 1 : std::max(1, cfg_.writers);
}

void Database::read(std::function<void(soci::session&)> job,
                    std::function<void(std::exception_ptr)> failed) {
  {
    std::lock_guard lk(rmu_);
    rq_.push_back({std::move(job), std::move(failed)});
  }
  rcv_.notify_one();
}

Stats Database::stats() const {
  Stats s;
  {
    std::lock_guard lk(wmu_);
    s.writeQueue = static_cast<int64_t>(wq_.size() + pq_.size());
  }
  {
    std::lock_guard lk(rmu_);
    s.readQueue = static_cast<int64_t>(rq_.size());
  }
  s.readersBusy = readersBusy_.load();
  s.readers = cfg_.readers;
  s.batches = batches_.load();
  s.walRewinds = walRewinds_.load();
  s.logSyncs = logSyncs_.load();
  s.writes = writes_.load();
  return s;
}

// Connects with retries: at start-up PostgreSQL may still be coming up, and a lost
// connection must not kill the process.
static Session connectRetrying(const Database& db, const std::atomic<bool>& stopping) {
  for (int attempt = 0;; ++attempt) {
    try {
      return db.connect();
    } catch (const std::exception& e) {
      if (stopping.load() || attempt > 50) throw;
      spdlog::warn("database connect failed ({}), retrying", e.what());
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
}

void Database::writerLoop(int idx) {
  nameThread(idx == 0 ? "fy-writer" : "fy-writer-more");
  Session sql;
  std::vector<WriteJob> batch;
  std::vector<std::exception_ptr> errors;
  std::vector<std::function<void()>> committed;
  pendingAfterCommit = &committed;
  for (;;) {
    {
      std::unique_lock lk(wmu_);
      auto& mine = idx == 0 ? wq_ : pq_;
      wcv_.wait(lk, [&] { return stopping_.load() || !mine.empty() || !pq_.empty(); });
      if (mine.empty() && pq_.empty() && stopping_.load()) return;
      for (auto* q : {&mine, &pq_})
        while (!q->empty() && static_cast<int>(batch.size()) < cfg_.maxBatch) {
          batch.push_back(std::move(q->front()));
          q->pop_front();
        }
    }
    errors.assign(batch.size(), nullptr);
    std::exception_ptr batchError;
    bool wrote = false;
    try {
      if (!sql) {
        sql = connectRetrying(*this, stopping_);
        // The writer alone gets a larger page cache (64 MB): big imports rewrite the same
        // index pages many times; readers stay small.
        // Checkpoints run on their own thread (checkpointLoop), not inside the writer's
        // commits, where they would stall every booking waiting behind them.
        // Statement journals (the pages a multi-row INSERT must be able to undo) stay in
        // memory: spilled to a temporary file they cost a write call per page.
        if (dialect_ == Dialect::Sqlite) {
          *sql << "PRAGMA cache_size=-65536";
          *sql << "PRAGMA wal_autocheckpoint=0";
          *sql << "PRAGMA temp_store=MEMORY";
        }
      }
      if (dialect_ == Dialect::Sqlite) {
        *sql << "BEGIN IMMEDIATE";
      } else {
        // A connection PostgreSQL cut (restart, failover) fails here, before any job ran: a
        // new one takes over and the batch goes on, instead of failing every job in it.
        try {
          *sql << "BEGIN";
        } catch (const soci::soci_error& e) {
          spdlog::warn("writer connection lost ({}), reconnecting", loggable(e));
          sql = connectRetrying(*this, stopping_);
          *sql << "BEGIN";
        }
      }
      // A job alone needs no savepoint: if it fails, the whole transaction goes. A savepoint
      // would copy every page the job touches (SQLite) or open a subtransaction
      // (PostgreSQL), and a booking batch touches hundreds.
      const bool alone = batch.size() == 1;
      for (size_t i = 0; i < batch.size(); ++i) {
        if (!alone) *sql << "SAVEPOINT fy_job";
        const size_t hooks = committed.size();
        try {
          batch[i].run(*sql);
          if (!alone) *sql << "RELEASE SAVEPOINT fy_job";
        } catch (...) {
          errors[i] = std::current_exception();
          committed.resize(hooks);  // what the job undid must not be announced
          if (alone) {
            *sql << "ROLLBACK";
          } else {
            *sql << "ROLLBACK TO SAVEPOINT fy_job";
            *sql << "RELEASE SAVEPOINT fy_job";
          }
        }
      }
      if (!(alone && errors[0])) {
        DeferLogSync later(deferSync_);  // syncLoop syncs the log before anything is announced
        *sql << "COMMIT";
        wrote = true;
      }
    } catch (...) {
      batchError = std::current_exception();
      try {
        if (sql) *sql << "ROLLBACK";
      } catch (...) {
        sql.reset();  // the connection is broken; reconnect for the next batch
      }
    }
    // After the transaction, whose jobs it must not fail: they have committed.
    if (dialect_ == Dialect::Sqlite && sql && !batchError) {
      try {
        rewindWal(*sql);
      } catch (const std::exception& e) {
        spdlog::warn("WAL rewind: {}", e.what());
        sql.reset();
      }
    }
    batches_++;
    writes_ += static_cast<int64_t>(batch.size());
    if (batchError) std::fill(errors.begin(), errors.end(), batchError);
    for (size_t i = 0; i < batch.size(); ++i) {
      if (!batch[i].committed) continue;
      try {
        batch[i].committed(errors[i]);
      } catch (const std::exception& e) {
        spdlog::error("write follow-up failed: {}", e.what());
      }
    }
    Settled done{std::move(batch), std::move(errors), {}, wrote};
    if (wrote) done.hooks = std::move(committed);
    committed.clear();
    batch.clear();
    if (deferSync_) {
      // Also when nothing was written: no answer may overtake those of earlier transactions.
      {
        std::lock_guard lk(smu_);
        sq_.push_back(std::move(done));
      }
      scv_.notify_one();
    } else {
      settle(done);
    }
  }
}

void Database::settle(Settled& s) {
  for (auto& fn : s.hooks) {
    try {
      fn();
    } catch (const std::exception& e) {
      spdlog::error("after-commit hook failed: {}", e.what());
    }
  }
  for (size_t i = 0; i < s.jobs.size(); ++i) {
    if (!s.jobs[i].done) continue;
    try {
      s.jobs[i].done(s.errors[i]);
    } catch (const std::exception& e) {
      spdlog::error("write completion failed: {}", e.what());
    }
  }
}

// Group commit of the disk sync: one fdatasync covers every transaction committed before it
// began, however many the writer got through meanwhile. Nothing is announced (hooks, `done`)
// before the sync that covers it, so what FULL promised still holds: "saved" means on disk.
void Database::syncLoop() {
  nameThread("fy-sync");
  for (;;) {
    std::deque<Settled> mine;
    {
      std::unique_lock lk(smu_);
      scv_.wait(lk, [&] { return syncStop_ || !sq_.empty(); });
      if (sq_.empty()) return;
      mine.swap(sq_);
    }
    if (std::any_of(mine.begin(), mine.end(), [](const Settled& s) { return s.wrote; })) syncLog();
    for (auto& s : mine) settle(s);
  }
}

// Any descriptor of the log will do: the kernel flushes the file, not the descriptor. A log
// made afresh (deleted when the last connection closed) is opened again and its directory
// synced, so that its name is durable too. A failed sync leaves no way to know what is on
// disk, so the process stops (as PostgreSQL does) and recovery at the next start decides.
void Database::syncLog() {
  struct stat byPath {
  }, byFd{};
  if (walFd_ < 0 || ::stat(walPath_.c_str(), &byPath) != 0 || ::fstat(walFd_, &byFd) != 0 ||
      byPath.st_ino != byFd.st_ino || byPath.st_dev != byFd.st_dev) {
    if (walFd_ >= 0) ::close(walFd_);
    walFd_ = ::open(walPath_.c_str(), O_RDONLY | O_CLOEXEC);
    const std::string dir = std::filesystem::path(walPath_).parent_path().string();
    int dirFd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (walFd_ < 0 || dirFd < 0 || ::fsync(dirFd) != 0) {
      spdlog::critical("cannot open and sync the SQLite log {}: {}", walPath_,
                       std::strerror(errno));
      std::abort();
    }
    ::close(dirFd);
  }
  if (::fdatasync(walFd_) != 0) {
    spdlog::critical("fdatasync of the SQLite log failed: {}", std::strerror(errno));
    std::abort();
  }
  logSyncs_++;
}

// SQLite: copies committed WAL frames into the database file beside the writer, so that the
// writer's commits never pay for it. PASSIVE never blocks the writer or readers. While the
// log is busy it runs pass after pass, so the part not yet copied stays small and the writer
// can rewind the log (rewindWal) for little.
//
// The pages it copies stay dirty in the kernel's cache until something syncs the database
// file, and under a crowd that was the writer's rewind: 46-90 ms for the tens of megabytes
// copied since the last one, with every booking waiting behind it. So this thread syncs the
// file itself at most every kFlushEvery while it copies, and the rewind finds little to write.
void Database::checkpointLoop() {
  nameThread("fy-checkpoint");
  constexpr auto kFlushEvery = std::chrono::milliseconds(50);
  Session sql;
  int dbFd = deferSync_ ? ::open(cfg_.url.substr(7).c_str(), O_RDONLY | O_CLOEXEC) : -1;
  if (deferSync_ && dbFd < 0)
    spdlog::warn("database file not opened for early syncs ({}): rewinds will sync it all",
                 std::strerror(errno));
  auto flushedAt = std::chrono::steady_clock::now();
  int lastDone = 0;
  while (!stopping_.load()) {
    try {
      if (!sql) sql = connectRetrying(*this, stopping_);
      int busy = 0, logFrames = 0, done = 0;
      *sql << "PRAGMA wal_checkpoint(PASSIVE)", soci::into(busy), soci::into(logFrames),
          soci::into(done);
      walFrames_ = logFrames;
      walCopied_ = done;
      const auto now = std::chrono::steady_clock::now();
      if (dbFd >= 0 && done != lastDone && now - flushedAt >= kFlushEvery) {
        // Only early: a failure here leaves the rewind's own sync to do the work.
        if (::fdatasync(dbFd) != 0)
          spdlog::warn("early sync of the database file: {}", std::strerror(errno));
        flushedAt = now;
        lastDone = done;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(logFrames > done ? 5 : 100));
    } catch (const std::exception& e) {
      spdlog::warn("WAL checkpoint: {}", e.what());
      sql.reset();
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
  }
  if (dbFd >= 0) ::close(dbFd);
}

// SQLite only ever appends to the log until a checkpoint has copied all of it and a writer
// starts again from the top. Under a steady stream of batches PASSIVE never quite catches
// up, so the log would grow without end, and every append to new file blocks costs the
// kernel a zeroed page per frame (most of the commit time measured under the flash crowd).
// Between two transactions the writer finishes the copy itself (RESTART: the frames the
// last PASSIVE pass left, then a sync of the database file), and its next commit overwrites
// the log's first frames, which are still in the page cache.
void Database::rewindWal(soci::session& sql) {
  constexpr int kMaxLeft = 2048;  // frames the writer may have to copy itself
  if (!pageBytes_) sql << "PRAGMA page_size", soci::into(pageBytes_);
  const int frames = walFrames_.load(), copied = walCopied_.load();
  const int64_t rewindBytes = int64_t{cfg_.logRewindMb} << 20;
  if (frames * int64_t{pageBytes_} < rewindBytes || frames - copied > kMaxLeft) return;
  // RESTART waits for readers still on an older snapshot (an export may read for seconds);
  // with no busy timeout it copies what it can and returns instead, and the log is rewound
  // at a later attempt.
  int busy = 0, logFrames = 0, done = 0;
  sql << "PRAGMA busy_timeout=0";
  try {
    sql << "PRAGMA wal_checkpoint(RESTART)", soci::into(busy), soci::into(logFrames),
        soci::into(done);
  } catch (const std::exception& e) {
    spdlog::warn("WAL rewind: {}", e.what());
    busy = 1;
  }
  sql << "PRAGMA busy_timeout=10000";
  // The log restarts at the next commit only if every frame has been copied.
  if (!busy && logFrames == done) walRewinds_++;
  walFrames_ = 0;
  walCopied_ = 0;
}

void Database::readerLoop(int) {
  nameThread("fy-reader");
  Session sql;
  for (;;) {
    ReadJob job;
    {
      std::unique_lock lk(rmu_);
      rcv_.wait(lk, [&] { return stopping_.load() || !rq_.empty(); });
      if (rq_.empty() && stopping_.load()) return;
      job = std::move(rq_.front());
      rq_.pop_front();
    }
    readersBusy_++;
    try {
      if (!sql) sql = connectRetrying(*this, stopping_);
      job.run(*sql);
    } catch (const std::exception& e) {
      // A job with `failed` reports its own failure, with what it knows (a request id).
      if (!job.failed) spdlog::error("read job failed: {}", loggable(e));
      if (dynamic_cast<const soci::soci_error*>(&e)) sql.reset();  // a new connection next
      if (job.failed) job.failed(std::current_exception());
    }
    readersBusy_--;
  }
}

}  // namespace fy::db
