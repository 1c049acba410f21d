#include "db/wal_vfs.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <vector>

// SQLite appends each frame to the log with two write calls (its 24-byte header, then the
// page), so a booking batch's commit made some 2,000 calls and touched every page of the file
// cache about three times: a fifth of the writer's time under the flash crowd. This VFS wraps
// the default one and, for log files only, gathers consecutive appends in memory and writes
// them in 124 KiB pieces when SQLite syncs the log (every commit, under synchronous=FULL) or
// before anything that must see the file as written (a read, its size, a truncation, close).
// Other connections read a frame only after the commit published it, i.e. after that sync.
// Every other file goes to the default VFS untouched.

namespace fy::db {
namespace {

thread_local bool deferSync = false;

sqlite3_vfs* base = nullptr;
sqlite3_vfs vfs;

constexpr size_t kMaxPending = 32u << 20;  // a write call at least every 32 MB

struct LogFile {
  sqlite3_file file;  // must come first: SQLite sees this
  sqlite3_file* real;
  std::vector<char>* pending;
  sqlite3_int64 start;  // file offset of pending's first byte
};

LogFile* of(sqlite3_file* f) { return reinterpret_cast<LogFile*>(f); }

// In pieces: the unix VFS writes at most 128 KiB per call (it masks larger sizes).
int flush(LogFile* f) {
  constexpr size_t kPiece = 124u << 10;
  auto& p = *f->pending;
  int rc = SQLITE_OK;
  for (size_t at = 0; at < p.size() && rc == SQLITE_OK; at += kPiece) {
    const size_t n = std::min(kPiece, p.size() - at);
    rc = f->real->pMethods->xWrite(f->real, p.data() + at, static_cast<int>(n),
                                   f->start + static_cast<sqlite3_int64>(at));
  }
  p.clear();
  return rc;
}

int logClose(sqlite3_file* file) {
  LogFile* f = of(file);
  int rc = flush(f);
  int closed = f->real->pMethods->xClose(f->real);
  delete f->pending;
  f->pending = nullptr;
  return rc != SQLITE_OK ? rc : closed;
}

int logRead(sqlite3_file* file, void* out, int amount, sqlite3_int64 offset) {
  LogFile* f = of(file);
  if (int rc = flush(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xRead(f->real, out, amount, offset);
}

int logWrite(sqlite3_file* file, const void* data, int amount, sqlite3_int64 offset) {
  LogFile* f = of(file);
  auto& p = *f->pending;
  const bool appends = !p.empty() && offset == f->start + static_cast<sqlite3_int64>(p.size());
  // Anything but the next append (a frame rewritten in place, the header of a restarted
  // log) goes after what is pending, in order.
  if (!appends || p.size() + static_cast<size_t>(amount) > kMaxPending)
    if (int rc = flush(f); rc != SQLITE_OK) return rc;
  if (p.empty()) f->start = offset;
  const char* bytes = static_cast<const char*>(data);
  p.insert(p.end(), bytes, bytes + amount);
  return SQLITE_OK;
}

int logTruncate(sqlite3_file* file, sqlite3_int64 size) {
  LogFile* f = of(file);
  if (int rc = flush(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xTruncate(f->real, size);
}

int logSync(sqlite3_file* file, int flags) {
  LogFile* f = of(file);
  if (int rc = flush(f); rc != SQLITE_OK) return rc;
  if (deferSync) return SQLITE_OK;
  return f->real->pMethods->xSync(f->real, flags);
}

int logFileSize(sqlite3_file* file, sqlite3_int64* size) {
  LogFile* f = of(file);
  if (int rc = flush(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xFileSize(f->real, size);
}

int logLock(sqlite3_file* file, int level) {
  return of(file)->real->pMethods->xLock(of(file)->real, level);
}
int logUnlock(sqlite3_file* file, int level) {
  return of(file)->real->pMethods->xUnlock(of(file)->real, level);
}
int logCheckReservedLock(sqlite3_file* file, int* out) {
  return of(file)->real->pMethods->xCheckReservedLock(of(file)->real, out);
}
int logFileControl(sqlite3_file* file, int op, void* arg) {
  LogFile* f = of(file);
  if (int rc = flush(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xFileControl(f->real, op, arg);
}
int logSectorSize(sqlite3_file* file) {
  return of(file)->real->pMethods->xSectorSize(of(file)->real);
}
int logDeviceCharacteristics(sqlite3_file* file) {
  return of(file)->real->pMethods->xDeviceCharacteristics(of(file)->real);
}

// Version 1: the log needs neither shared memory (that is the database file's) nor mmap.
const sqlite3_io_methods methods{.iVersion = 1,
                                 .xClose = logClose,
                                 .xRead = logRead,
                                 .xWrite = logWrite,
                                 .xTruncate = logTruncate,
                                 .xSync = logSync,
                                 .xFileSize = logFileSize,
                                 .xLock = logLock,
                                 .xUnlock = logUnlock,
                                 .xCheckReservedLock = logCheckReservedLock,
                                 .xFileControl = logFileControl,
                                 .xSectorSize = logSectorSize,
                                 .xDeviceCharacteristics = logDeviceCharacteristics};

int openFile(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* file, int flags, int* outFlags) {
  if (!(flags & SQLITE_OPEN_WAL)) return base->xOpen(base, name, file, flags, outFlags);
  LogFile* f = of(file);
  f->file.pMethods = nullptr;
  f->real = reinterpret_cast<sqlite3_file*>(f + 1);
  int rc = base->xOpen(base, name, f->real, flags, outFlags);
  if (rc != SQLITE_OK) return rc;
  f->pending = new std::vector<char>();
  f->start = 0;
  f->file.pMethods = &methods;
  return SQLITE_OK;
}

}  // namespace

void installWalVfs() {
  static std::once_flag once;
  std::call_once(once, [] {
    base = sqlite3_vfs_find(nullptr);
    if (!base) throw std::runtime_error("SQLite has no default VFS");
    vfs = *base;
    vfs.zName = "fangyi-log";
    vfs.szOsFile = static_cast<int>(sizeof(LogFile)) + base->szOsFile;
    vfs.xOpen = openFile;
    if (sqlite3_vfs_register(&vfs, 1) != SQLITE_OK)
      throw std::runtime_error("cannot register the SQLite log VFS");
  });
}

DeferLogSync::DeferLogSync(bool on) : was_(deferSync) { deferSync = on; }
DeferLogSync::~DeferLogSync() { deferSync = was_; }

}  // namespace fy::db
