#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace soci {
class session;
}

namespace fy::notify::repo {

std::optional<std::string> templateContent(soci::session& sql, const std::string& code);
nlohmann::json listTemplates(soci::session& sql);
std::optional<nlohmann::json> templateJson(soci::session& sql, const std::string& code);
void updateTemplate(soci::session& sql, const std::string& code, const std::string& content,
                    int64_t now);

struct NewSms {
  std::string phoneEnc, phoneMask, content, regionPath;
};
void insertAllSms(soci::session& sql, const std::string& tmpl, const std::vector<NewSms>& rows,
                  int64_t now);
void insertSms(soci::session& sql, const std::string& phoneEnc, const std::string& phoneMask,
               const std::string& tmpl, const std::string& content, const std::string& regionPath,
               int64_t now);
struct Due {
  int64_t id;
  std::string phoneEnc, content;
  int attempts;
};
std::vector<Due> claimDue(soci::session& sql, int64_t now, int64_t leaseMs, int limit);
void markSent(soci::session& sql, int64_t id, int64_t now);
void markFailed(soci::session& sql, int64_t id, int attempts, const std::string& error,
                int64_t nextAt, bool final);
struct SmsFilter {
  std::string scopePath;
  std::optional<std::string> status;
  int64_t offset = 0;
  int limit = 10;
};
nlohmann::json listSms(soci::session& sql, const SmsFilter& f);

}  // namespace fy::notify::repo
