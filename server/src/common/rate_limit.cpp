#include "common/rate_limit.h"

#include <algorithm>
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

int RateLimiter::take(std::string_view key, int64_t nowMs) {
  if (!enabled()) return 0;
  const double perMs = perMinute_ / 60000.0;
  const uint64_t h = std::hash<std::string_view>{}(key);
  Shard& sh = shards_[(h >> 56) % shards_.size()];
  std::lock_guard lk(sh.mu);
  // Once a second, forget the buckets that are full again: a fresh one is the same. A crowd
  // of distinct ID numbers, each seen once, is then held for one token's refill (6 s at 10 a
  // minute), not for a whole bucket's; sweeping often keeps each sweep short.
  if (nowMs - sh.sweptAt >= 1000) {
    std::erase_if(sh.buckets, [&](const auto& kv) {
      return kv.second.tokens + static_cast<double>(nowMs - kv.second.at) * perMs >= burst_;
    });
    sh.sweptAt = nowMs;
  }
  auto [it, fresh] = sh.buckets.try_emplace(h, Bucket{burst_, nowMs});
  Bucket& b = it->second;
  if (!fresh) {
    b.tokens = std::min(burst_, b.tokens + (nowMs - b.at) * perMs);
    b.at = nowMs;
  }
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return 0;
  }
  return std::max(1, static_cast<int>(std::ceil((1.0 - b.tokens) / perMs / 1000.0)));
}

size_t RateLimiter::keys() const {
  size_t n = 0;
  for (const auto& sh : shards_) {
    std::lock_guard lk(sh.mu);
    n += sh.buckets.size();
  }
  return n;
}

}  // namespace fy
