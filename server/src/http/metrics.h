#pragma once
#include <array>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "db/database.h"

namespace fy::http {

// Prometheus counters and latency histograms per route, kept lock-free on the hot path:
// the series are created once at start-up for every registered route.
class Metrics {
 public:
  static constexpr std::array<double, 12> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                      0.1,   0.25,   0.5,   1,    2.5,   5};
  struct Series {
    std::array<std::atomic<uint64_t>, kBuckets.size() + 1> buckets{};
    std::atomic<uint64_t> count{0};
    std::atomic<uint64_t> sumMicros{0};
    std::array<std::atomic<uint64_t>, 6> byClass{};  // 1xx..5xx, index = status/100
  };

  Series& series(const std::string& method, const std::string& route);
  void observe(Series& s, int status, double seconds);
  std::string render(const db::Stats& db) const;

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, std::string>, std::unique_ptr<Series>> series_;
};

}  // namespace fy::http
