#pragma once
// Token buckets per key (a client address, a blind index of an ID number): `perMinute` tokens
// a minute, at most `burst` saved up. Limits are per process; behind nginx each node keeps its
// own (nginx's limit_req can cap the whole site).
#include <array>
#include <cstdint>
#include <mutex>
#include <string_view>
#include <unordered_map>

namespace fy {

class RateLimiter {
 public:
  RateLimiter(int perMinute, int burst);  // perMinute 0 = no limit
  bool enabled() const { return perMinute_ > 0; }
  // Takes a token: 0 when allowed, else the whole seconds until one is due (for Retry-After).
  int take(std::string_view key);
  int take(std::string_view key, int64_t nowMs);  // with an explicit monotonic time
  size_t keys() const;  // buckets held: those not yet refilled, plus at most a second's worth

 private:
  struct Bucket {
    double tokens;
    int64_t at;
  };
  // Buckets are keyed by a 64-bit hash of the key: no copy of the key is kept, and two keys
  // share a bucket only if their hashes collide (about 2^-64 a pair).
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<uint64_t, Bucket> buckets;
    int64_t sweptAt = 0;
  };
  int perMinute_;
  double burst_;
  std::array<Shard, 16> shards_;
};

}  // namespace fy
