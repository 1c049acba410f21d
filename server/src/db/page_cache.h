#pragma once
// SQLite's page cache, kept from walking all of itself at each commit. See page_cache.cpp.
#include <cstdint>

namespace fy::db {

// Makes the wrapped page cache SQLite's. Call once, before SQLite is first used; false if
// SQLite was already initialised (it then keeps its own cache, which is only slower).
bool installPageCache();

// How many end-of-transaction truncations were answered without asking SQLite's cache (it
// holds no page past the end) and how many went through to it. For tests and diagnosis.
struct PageCacheCounts {
  uint64_t skipped = 0;
  uint64_t passed = 0;
};
PageCacheCounts pageCacheCounts();

}  // namespace fy::db
