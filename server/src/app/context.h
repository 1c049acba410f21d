#pragma once
#include <functional>
#include <optional>
#include <string>

#include "common/crypto.h"
#include "common/principal.h"
#include "db/database.h"

namespace fy {

struct AppContext {
  db::Dialect dialect = db::Dialect::Sqlite;
  crypto::Vault vault;
  std::string dataDir;
  // Base of public links and their QR codes, e.g. https://ym.example.gov.cn
  std::string publicUrl = "http://127.0.0.1:8080";
  // Test mode: captcha answers are accepted as "test" and the clock can be shifted through
  // /api/v1/test/clock. Only the test suite turns it on; the server warns loudly when it is.
  bool testMode = false;
};

}  // namespace fy
