#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <filesystem>
#include <iostream>

#include "app/commands.h"
#include "db/soci.h"

int main(int argc, char** argv) {
  CLI::App cli{"fangyi — epidemic-response platform"};
  cli.require_subcommand(1);
  fy::app::Options opt;
  auto common = [&](CLI::App* c) {
    c->add_option("--data-dir", opt.dataDir, "data directory (SQLite file, keys, SMS log)")
        ->envname("FANGYI_DATA_DIR");
    c->add_option("--db", opt.db, "sqlite:PATH or postgresql://... (default: sqlite in data dir)")
        ->envname("FANGYI_DB");
  };
  auto* serve = cli.add_subcommand("serve", "serve the API and the web app");
  common(serve);
  serve->add_option("--listen", opt.listen, "HOST:PORT")->envname("FANGYI_LISTEN");
  serve->add_option("--web-dir", opt.webDir, "built web app (web/dist)")->envname("FANGYI_WEB_DIR");
  serve
      ->add_option("--io-threads", opt.ioThreads,
                   "HTTP I/O threads, each with its own listening socket on the port")
      ->check(CLI::Range(1, 64))
      ->envname("FANGYI_IO_THREADS");
  serve->add_option("--db-readers", opt.readers, "read connections");
  serve
      ->add_option("--db-writers", opt.writers,
                   "PostgreSQL: write connections; bookings are written on all of them at once")
      ->check(CLI::Range(1, 16))
      ->envname("FANGYI_DB_WRITERS");
  serve
      ->add_option("--wal-rewind-mb", opt.walRewindMb,
                   "SQLite: megabytes of log after which the writer starts it again from the top")
      ->check(CLI::Range(1, 4096))
      ->envname("FANGYI_WAL_REWIND_MB");
  serve->add_flag("--trust-proxy", opt.trustProxy, "client address from X-Forwarded-For");
  serve->add_flag("--test-mode", opt.testMode,
                  "TESTS ONLY: captcha answer 'test' accepted, clock can be shifted");
  serve->add_flag("--no-sms-dispatch", opt.noSmsDispatch, "do not run the SMS outbox sender here");
  serve->add_flag("--no-jobs", opt.noJobs,
                  "do not run automatic release and reminders here (another node does)");
  serve
      ->add_option("--rate-ip", opt.rateIp,
                   "public booking/lookup requests a minute per client address (0 = no limit)")
      ->envname("FANGYI_RATE_IP");
  serve
      ->add_option("--rate-id", opt.rateId,
                   "public booking/lookup requests a minute per ID number (0 = no limit)")
      ->envname("FANGYI_RATE_ID");
  serve->add_option("--public-url", opt.publicUrl, "base URL of public links and QR codes")
      ->envname("FANGYI_PUBLIC_URL");

  auto* migrate = cli.add_subcommand("migrate", "apply database migrations");
  common(migrate);
  auto* demo = cli.add_subcommand("demo-data", "create a demo city with accounts");
  common(demo);
  auto* admin = cli.add_subcommand("create-admin", "create a city-level administrator");
  common(admin);
  admin->add_option("--username", opt.username)->required();
  admin->add_option("--password", opt.password)->envname("FANGYI_ADMIN_PASSWORD")->required();
  admin->add_option("--city", opt.city, "name of the city (root region) to create if none");
  auto* routes = cli.add_subcommand("routes", "print every API route (METHOD PATH PERMISSION)");

  CLI11_PARSE(cli, argc, argv);
  try {
    if (*serve) return fy::app::serve(opt);
    if (*migrate) return fy::app::migrate(opt);
    if (*demo) return fy::app::demoData(opt);
    if (*admin) return fy::app::createAdmin(opt);
    if (*routes) return fy::app::printRoutes();
  } catch (const std::exception& e) {
    std::cerr << "fangyi: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
