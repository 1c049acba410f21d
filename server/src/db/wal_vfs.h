#pragma once
// SQLite's log (WAL) written in large pieces at each commit instead of two calls per page, and its
// sync left to the caller where the writer asks for that. See wal_vfs.cpp.

namespace fy::db {

// Makes the buffering VFS SQLite's default. Call once, before the first connection opens.
void installWalVfs();

// While alive on a thread, a sync of the log made on that thread writes the log but does not
// wait for the disk: the caller promises an fdatasync of the log before telling anyone the
// transaction is saved (Database::syncLoop).
class DeferLogSync {
 public:
  explicit DeferLogSync(bool on = true);  // off: the sync waits for the disk as usual
  ~DeferLogSync();
  DeferLogSync(const DeferLogSync&) = delete;
  DeferLogSync& operator=(const DeferLogSync&) = delete;

 private:
  bool was_;
};

}  // namespace fy::db
