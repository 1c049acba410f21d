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
  // Test mode: captcha answers are accepted as "test" and the clock can be shifted through
  // /api/v1/test/clock. Only the test suite turns it on; the server warns loudly when it is.
  bool testMode = false;
};

}  // namespace fy
