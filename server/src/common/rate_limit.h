#pragma once
// Token buckets per key (a client address, a blind index of an ID number): `perMinute` tokens
// a minute, at most `burst` saved up. Limits are per process; behind nginx each node keeps its
// own (nginx's limit_req can cap the whole site).
#include <array>
#include <cstdint>
#include <mutex>
#include <string_view>
#include <vector>

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
  // Buckets are keyed by a 64-bit hash of the key: no copy of the key is kept, and two keys
  // share a bucket only if their hashes collide (about 2^-64 a pair). Hash 0 marks a free slot.
  struct Bucket {
    uint64_t key = 0;
    double tokens = 0;
    int64_t at = 0;
  };
  // An open-addressing table (linear probing, at most half full), rebuilt without the full
  // buckets at each sweep: a crowd of new ID numbers makes one fresh bucket per request, and a
  // node-based map spent most of a take allocating, dividing and missing the cache.
  struct Shard {
    mutable std::mutex mu;
    std::vector<Bucket> slots = std::vector<Bucket>(16);
    size_t used = 0;
    int64_t sweptAt = 0;
  };
  bool full(const Bucket& b, int64_t nowMs) const;
  void rebuild(Shard& sh, int64_t nowMs, size_t minSlots) const;
  static Bucket* find(Shard& sh, uint64_t key);  // its bucket, else the free slot for it
  int perMinute_;
  double burst_;
  std::array<Shard, 16> shards_;
};

}  // namespace fy
