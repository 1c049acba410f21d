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
  Shard& sh = shards_[std::hash<std::string_view>{}(key) % shards_.size()];
  std::lock_guard lk(sh.mu);
  // Forget keys whose bucket has refilled: memory stays bounded by the recent crowd.
  const int64_t refillMs = static_cast<int64_t>(burst_ / perMs) + 1;
  if (nowMs - sh.sweptAt > std::max<int64_t>(refillMs, 60000)) {
    std::erase_if(sh.buckets, [&](const auto& kv) { return nowMs - kv.second.at > refillMs; });
    sh.sweptAt = nowMs;
  }
  auto [it, fresh] = sh.buckets.try_emplace(std::string(key), Bucket{burst_, nowMs});
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

}  // namespace fy
