#pragma once
#include <string>

namespace fy::app {

struct Options {
  std::string dataDir = "./data";
  std::string db;
  std::string listen = "127.0.0.1:8080";
  std::string webDir;
  size_t ioThreads = 2;
  int readers = 2;
  int writers = 2;        // PostgreSQL only
  int walRewindMb = 256;  // SQLite only
  bool trustProxy = false;
  bool testMode = false;
  bool noSmsDispatch = false;
  bool noJobs = false;
  std::string publicUrl;
  int rateIp = 120;  // public requests per client address a minute (0 = off)
  int rateId = 10;   // public requests per ID number a minute (0 = off)
  std::string username, password, city = "演示市";
};

int serve(const Options& o);
int migrate(const Options& o);
int demoData(const Options& o);
int createAdmin(const Options& o);
int printRoutes();

}  // namespace fy::app
