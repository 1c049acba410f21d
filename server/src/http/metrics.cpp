#include "http/metrics.h"

#include <fmt/format.h>

namespace fy::http {

Metrics::Series& Metrics::series(const std::string& method, const std::string& route) {
  std::lock_guard lk(mu_);
  auto& p = series_[{method, route}];
  if (!p) p = std::make_unique<Series>();
  return *p;
}

void Metrics::observe(Series& s, int status, double seconds) {
  size_t i = 0;
  while (i < kBuckets.size() && seconds > kBuckets[i]) ++i;
  s.buckets[i].fetch_add(1, std::memory_order_relaxed);
  s.count.fetch_add(1, std::memory_order_relaxed);
  s.sumMicros.fetch_add(static_cast<uint64_t>(seconds * 1e6), std::memory_order_relaxed);
  int cls = status / 100;
  if (cls >= 1 && cls <= 5) s.byClass[cls].fetch_add(1, std::memory_order_relaxed);
}

std::string Metrics::render(const db::Stats& db) const {
  std::string out;
  out += "# HELP fangyi_http_requests_total HTTP requests by route and status class.\n";
  out += "# TYPE fangyi_http_requests_total counter\n";
  std::lock_guard lk(mu_);
  for (const auto& [key, s] : series_) {
    for (int cls = 1; cls <= 5; ++cls) {
      uint64_t n = s->byClass[cls].load();
      if (n)
        out += fmt::format(
            "fangyi_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{}xx\"}} {}\n",
            key.first, key.second, cls, n);
    }
  }
  out += "# HELP fangyi_http_request_duration_seconds Request latency by route.\n";
  out += "# TYPE fangyi_http_request_duration_seconds histogram\n";
  for (const auto& [key, s] : series_) {
    if (!s->count.load()) continue;
    uint64_t cum = 0;
    auto labels = fmt::format("method=\"{}\",route=\"{}\"", key.first, key.second);
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      cum += s->buckets[i].load();
      out += fmt::format("fangyi_http_request_duration_seconds_bucket{{{},le=\"{}\"}} {}\n", labels,
                         kBuckets[i], cum);
    }
    cum += s->buckets[kBuckets.size()].load();
    out += fmt::format("fangyi_http_request_duration_seconds_bucket{{{},le=\"+Inf\"}} {}\n", labels,
                       cum);
    out += fmt::format("fangyi_http_request_duration_seconds_sum{{{}}} {}\n", labels,
                       static_cast<double>(s->sumMicros.load()) / 1e6);
    out += fmt::format("fangyi_http_request_duration_seconds_count{{{}}} {}\n", labels,
                       s->count.load());
  }
  out += "# HELP fangyi_db_queue_depth Jobs waiting for a database thread.\n";
  out += "# TYPE fangyi_db_queue_depth gauge\n";
  out += fmt::format("fangyi_db_queue_depth{{queue=\"write\"}} {}\n", db.writeQueue);
  out += fmt::format("fangyi_db_queue_depth{{queue=\"read\"}} {}\n", db.readQueue);
  out += "# HELP fangyi_db_pool_connections Read pool connections by state.\n";
  out += "# TYPE fangyi_db_pool_connections gauge\n";
  out += fmt::format("fangyi_db_pool_connections{{state=\"busy\"}} {}\n", db.readersBusy);
  out +=
      fmt::format("fangyi_db_pool_connections{{state=\"idle\"}} {}\n", db.readers - db.readersBusy);
  out += "# HELP fangyi_db_write_batches_total Group-committed write transactions.\n";
  out += "# TYPE fangyi_db_write_batches_total counter\n";
  out += fmt::format("fangyi_db_write_batches_total {}\n", db.batches);
  out += "# HELP fangyi_db_writes_total Write jobs committed or rolled back.\n";
  out += "# TYPE fangyi_db_writes_total counter\n";
  out += fmt::format("fangyi_db_writes_total {}\n", db.writes);
  out += "# HELP fangyi_db_wal_rewinds_total SQLite: checkpoints after which the log restarts.\n";
  out += "# TYPE fangyi_db_wal_rewinds_total counter\n";
  out += fmt::format("fangyi_db_wal_rewinds_total {}\n", db.walRewinds);
  out +=
      "# HELP fangyi_db_log_syncs_total SQLite: fdatasyncs of the log, each covering every "
      "transaction committed before it.\n";
  out += "# TYPE fangyi_db_log_syncs_total counter\n";
  out += fmt::format("fangyi_db_log_syncs_total {}\n", db.logSyncs);
  return out;
}

}  // namespace fy::http
