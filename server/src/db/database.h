#pragma once
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace soci {
class session;
}

namespace fy::db {

enum class Dialect { Sqlite, Postgres };

// A connection. Closing it drops the statements kept for it first (db/prepared.h).
struct CloseSession {
  void operator()(soci::session* s) const;
};
using Session = std::unique_ptr<soci::session, CloseSession>;

struct Config {
  std::string url;  // "sqlite:/path/file.db" or "postgresql://..."
  int readers = 2;
  int maxBatch = 512;
  // PostgreSQL: writer connections. Writer 0 runs every job; the others run only parallel
  // jobs (writeParallel), whose code is safe beside another node's. SQLite has one writer.
  int writers = 2;
  // SQLite: the writer rewinds the log once it holds this many megabytes (rewindWal). Each
  // rewind holds every booking behind one sync of the database file, so a longer log means
  // fewer such waits, and a longer replay after a crash.
  int logRewindMb = 256;
};

struct Stats {
  int64_t writeQueue = 0;
  int64_t readQueue = 0;
  int64_t readersBusy = 0;
  int64_t readers = 0;
  int64_t batches = 0;
  int64_t writes = 0;
  int64_t walRewinds = 0;  // SQLite: times the writer restarted the log from its start
  int64_t logSyncs = 0;    // SQLite: fdatasyncs of the log by the sync thread
};

// A write job runs on a writer thread (writer 0 unless sent by writeParallel) inside a
// savepoint of a group-committed transaction (alone, in the transaction itself). `committed`,
// if set, is called on the writer thread as soon as the transaction has ended, with the error
// that undid the job if any: follow-up work may start there, but nobody may be told "saved".
// `done`, if set, is called only once the commit is on disk (or with that error), so a client is
// never told "saved" before the data is durable.
struct WriteJob {
  std::function<void(soci::session&)> run;
  std::function<void(std::exception_ptr)> done;
  std::function<void(std::exception_ptr)> committed;
};

class Database {
 public:
  explicit Database(Config cfg);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  Dialect dialect() const { return dialect_; }
  void start();  // opens connections and starts the threads
  void stop();   // drains the queues, then joins

  void write(WriteJob job);
  // For jobs that stay correct while another transaction runs the same job, as they must
  // when two nodes share PostgreSQL (the booking engine): any writer may take them.
  void writeParallel(WriteJob job);
  int writers() const;  // how many transactions writeParallel jobs may run in at once
  // A read job runs on a reader thread. `failed`, if set, is called there with the error when
  // the job throws or cannot run (no connection), so whoever waits on it is answered; it logs
  // the error too (the pool logs only the failures of jobs without it). It must not throw.
  void read(std::function<void(soci::session&)> job,
            std::function<void(std::exception_ptr)> failed = {});

  // For CLI commands and start-up work: runs on the caller's thread with its own session.
  Session connect() const;

  Stats stats() const;

 private:
  void writerLoop(int idx);
  void readerLoop(int idx);
  void checkpointLoop();
  void rewindWal(soci::session& sql);

  // What one writer transaction leaves to announce once its commit is durable.
  struct Settled {
    std::vector<WriteJob> jobs;
    std::vector<std::exception_ptr> errors;    // per job: what undid it, if anything
    std::vector<std::function<void()>> hooks;  // afterCommit, of a transaction that committed
    bool wrote = false;
  };
  static void settle(Settled& s);
  void syncLoop();
  void syncLog();

  Config cfg_;
  Dialect dialect_;
  std::atomic<bool> stopping_{false};

  mutable std::mutex wmu_;
  std::condition_variable wcv_;
  std::deque<WriteJob> wq_;  // writer 0 only
  std::deque<WriteJob> pq_;  // any writer
  std::vector<std::thread> writers_;
  std::thread checkpointer_;

  // SQLite: the writer's COMMIT writes the log without waiting for the disk (DeferLogSync)
  // and the writer goes on with the next transaction; syncer_ syncs the log, then settles
  // what that sync covered.
  bool deferSync_ = false;
  std::string walPath_;
  int walFd_ = -1;
  std::mutex smu_;
  std::condition_variable scv_;
  std::deque<Settled> sq_;
  bool syncStop_ = false;
  std::thread syncer_;

  mutable std::mutex rmu_;
  std::condition_variable rcv_;
  struct ReadJob {
    std::function<void(soci::session&)> run;
    std::function<void(std::exception_ptr)> failed;
  };
  std::deque<ReadJob> rq_;
  std::vector<std::thread> readers_;

  std::atomic<int64_t> readersBusy_{0}, batches_{0}, writes_{0};
  std::atomic<int> walFrames_{0}, walCopied_{0};  // as of the checkpointer's last pass
  int pageBytes_ = 0;                             // SQLite's page size, read by the writer
  std::atomic<int64_t> walRewinds_{0}, logSyncs_{0};
};

Dialect dialectOf(const std::string& url);
// What a database error may say in a log: the text before the values SOCI appends
// (" with :…") and before PostgreSQL's DETAIL, which may quote a row. Both may be personal data.
std::string loggable(const std::exception& e);
std::string loggable(std::exception_ptr e);
Dialect dialectOf(soci::session& sql);  // of an open session

// Runs `fn` once the writer transaction of the current job has committed and is on disk
// (it is dropped when the transaction fails). Outside the writer thread it runs at once.
// For knowledge kept in memory that must never run ahead of the database, e.g. "this slot
// has places again".
void afterCommit(std::function<void()> fn);

}  // namespace fy::db
