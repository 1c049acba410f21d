#include "db/page_cache.h"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <vector>

// At the end of every write transaction SQLite tells its page cache to drop the pages past
// the database's end. The default cache (pcache1) skips that work only while no page number
// above the end has been seen since the last time; otherwise it walks its whole hash table.
// A b-tree page split that reorders the new pages (balance_nonroot) swaps page numbers
// through a temporary one: the lock-byte page at 1 GiB (number 524,289 with 2 KiB pages). So
// in a flash crowd, where the person index splits in almost every batch, each commit walked every
// page in the cache: 0.3 ms per commit at 13,000 cached pages, a tenth of the writer's time,
// and more as the cache fills.
//
// This cache wraps the default one and keeps its own bound on the page numbers present: the
// highest number created, plus the numbers a page was moved to and not yet moved away from.
// A truncation that can drop nothing is answered here; every other one goes through. The
// bound may only be too high (pages the default cache recycled or discarded are not
// subtracted), never too low, so no page the truncation must drop is ever kept.

namespace fy::db {
namespace {

sqlite3_pcache_methods2 base;
std::atomic<uint64_t> skipped{0}, passed{0};

struct Cache {
  sqlite3_pcache* inner;
  unsigned maxKey = 0;          // no page created since the last truncation has a higher number
  std::vector<unsigned> moved;  // numbers pages were moved to above maxKey, still held
};

Cache* of(sqlite3_pcache* p) { return reinterpret_cast<Cache*>(p); }

int init(void*) { return base.xInit(base.pArg); }
void shutdown(void*) { base.xShutdown(base.pArg); }

sqlite3_pcache* create(int szPage, int szExtra, int bPurgeable) {
  sqlite3_pcache* inner = base.xCreate(szPage, szExtra, bPurgeable);
  if (!inner) return nullptr;
  return reinterpret_cast<sqlite3_pcache*>(new Cache{inner});
}

void cachesize(sqlite3_pcache* p, int n) { base.xCachesize(of(p)->inner, n); }
int pagecount(sqlite3_pcache* p) { return base.xPagecount(of(p)->inner); }

sqlite3_pcache_page* fetch(sqlite3_pcache* p, unsigned key, int createFlag) {
  Cache* c = of(p);
  if (createFlag && key > c->maxKey) c->maxKey = key;
  return base.xFetch(c->inner, key, createFlag);
}

void unpin(sqlite3_pcache* p, sqlite3_pcache_page* page, int discard) {
  base.xUnpin(of(p)->inner, page, discard);
}

void rekey(sqlite3_pcache* p, sqlite3_pcache_page* page, unsigned oldKey, unsigned newKey) {
  Cache* c = of(p);
  if (auto it = std::find(c->moved.begin(), c->moved.end(), oldKey); it != c->moved.end())
    c->moved.erase(it);
  if (newKey > c->maxKey) c->moved.push_back(newKey);
  base.xRekey(c->inner, page, oldKey, newKey);
}

void truncate(sqlite3_pcache* p, unsigned limit) {
  Cache* c = of(p);
  const bool some = c->maxKey >= limit || std::any_of(c->moved.begin(), c->moved.end(),
                                                      [limit](unsigned k) { return k >= limit; });
  if (!some) {
    skipped.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  passed.fetch_add(1, std::memory_order_relaxed);
  base.xTruncate(c->inner, limit);
  if (c->maxKey >= limit) c->maxKey = limit ? limit - 1 : 0;
  std::erase_if(c->moved, [limit](unsigned k) { return k >= limit; });
}

void destroy(sqlite3_pcache* p) {
  base.xDestroy(of(p)->inner);
  delete of(p);
}

void shrink(sqlite3_pcache* p) { base.xShrink(of(p)->inner); }

}  // namespace

bool installPageCache() {
  if (sqlite3_config(SQLITE_CONFIG_GETPCACHE2, &base) != SQLITE_OK || !base.xCreate) return false;
  sqlite3_pcache_methods2 wrapped{1,     nullptr, init,  shutdown, create,  cachesize, pagecount,
                                  fetch, unpin,   rekey, truncate, destroy, shrink};
  return sqlite3_config(SQLITE_CONFIG_PCACHE2, &wrapped) == SQLITE_OK;
}

PageCacheCounts pageCacheCounts() {
  return {skipped.load(std::memory_order_relaxed), passed.load(std::memory_order_relaxed)};
}

}  // namespace fy::db
