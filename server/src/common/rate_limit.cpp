#include "common/rate_limit.h"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <functional>

namespace fy {

RateLimiter::RateLimiter(int perMinute, int burst)
    : perMinute_(std::max(0, perMinute)), burst_(std::max(1, burst)) {}

int RateLimiter::take(std::string_view key) {
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::steady_clock::now().time_since_epoch())
                 .count();
  return take(key, now);
}

bool RateLimiter::full(const Bucket& b, int64_t nowMs) const {
  return b.tokens + static_cast<double>(nowMs - b.at) * (perMinute_ / 60000.0) >= burst_;
}

RateLimiter::Bucket* RateLimiter::find(Shard& sh, uint64_t key) {
  const size_t mask = sh.slots.size() - 1;
  for (size_t i = key & mask;; i = (i + 1) & mask)
    if (sh.slots[i].key == key || sh.slots[i].key == 0) return &sh.slots[i];
}

void RateLimiter::rebuild(Shard& sh, int64_t nowMs, size_t minSlots) const {
  std::vector<Bucket> old(minSlots);
  old.swap(sh.slots);
  sh.used = 0;
  for (const Bucket& b : old)
    if (b.key != 0 && !full(b, nowMs)) {
      *find(sh, b.key) = b;
      ++sh.used;
    }
}

int RateLimiter::take(std::string_view key, int64_t nowMs) {
  if (!enabled()) return 0;
  const double perMs = perMinute_ / 60000.0;
  uint64_t h = std::hash<std::string_view>{}(key);
  if (h == 0) h = 1;
  Shard& sh = shards_[(h >> 56) % shards_.size()];
  std::lock_guard lk(sh.mu);
  // Once a second, forget the buckets that are full again: a fresh one is the same. A crowd
  // of distinct ID numbers, each seen once, is then held for one token's refill (6 s at 10 a
  // minute), not for a whole bucket's; sweeping often keeps each sweep short.
  if (nowMs - sh.sweptAt >= 1000) {
    size_t live = 0;
    for (const Bucket& b : sh.slots) live += b.key != 0 && !full(b, nowMs);
    rebuild(sh, nowMs, std::max<size_t>(16, std::bit_ceil(2 * live + 2)));
    sh.sweptAt = nowMs;
  } else if (2 * (sh.used + 1) > sh.slots.size()) {
    rebuild(sh, nowMs, 2 * sh.slots.size());
  }
  Bucket* b = find(sh, h);
  if (b->key == 0) {
    *b = {h, burst_, nowMs};
    ++sh.used;
  } else {
    b->tokens = std::min(burst_, b->tokens + (nowMs - b->at) * perMs);
    b->at = nowMs;
  }
  if (b->tokens >= 1.0) {
    b->tokens -= 1.0;
    return 0;
  }
  return std::max(1, static_cast<int>(std::ceil((1.0 - b->tokens) / perMs / 1000.0)));
}

size_t RateLimiter::keys() const {
  size_t n = 0;
  for (const auto& sh : shards_) {
    std::lock_guard lk(sh.mu);
    n += sh.used;
  }
  return n;
}

}  // namespace fy
