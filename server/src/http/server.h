#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "app/context.h"
#include "db/database.h"
#include "http/api.h"

namespace fy::http {

using Authenticator =
    std::function<std::optional<Principal>(soci::session&, const std::string& sessionToken)>;

struct ServerConfig {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  std::string webDir;  // built front-end (web/dist); empty = no static files
  size_t ioThreads = 2;
  bool trustProxy = false;  // take the client address from X-Forwarded-For (behind nginx)
};

class Server {
 public:
  Server(ServerConfig cfg, AppContext& app, db::Database& db, Routes& routes, Authenticator auth);
  ~Server();
  void start();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fy::http
