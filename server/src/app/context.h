#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/crypto.h"
#include "common/principal.h"
#include "common/rate_limit.h"
#include "db/database.h"

namespace fy {

namespace vax {
class Engine;
}

struct AppContext {
  db::Dialect dialect = db::Dialect::Sqlite;
  crypto::Vault vault;
  std::string dataDir;
  // Base of public links and their QR codes, e.g. https://ym.example.gov.cn
  std::string publicUrl = "http://127.0.0.1:8080";
  // Test mode: captcha answers are accepted as "test" and the clock can be shifted through
  // /api/v1/test/clock. Only the test suite turns it on; the server warns loudly when it is.
  bool testMode = false;
  // Public routes (booking, eligibility, lookup): per client address and per ID number.
  std::shared_ptr<RateLimiter> perIp = std::make_shared<RateLimiter>(0, 1);
  std::shared_ptr<RateLimiter> perIdNumber = std::make_shared<RateLimiter>(0, 1);
  // The flash-crowd booking executor of `serve` (null in CLI commands).
  vax::Engine* vaxEngine = nullptr;
  // Modules' own lines for /metrics (Prometheus text), registered before the server starts.
  std::vector<std::function<std::string()>> metricLines;
};

}  // namespace fy
