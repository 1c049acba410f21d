#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/problem.h"

namespace fy::http {

struct Text {
  size_t min = 0;
  size_t max = 255;
};

// Reads fields of a request body and collects every field error, so that one 422 answer
// names all that is wrong instead of the first thing only.
class JsonIn {
 public:
  explicit JsonIn(const nlohmann::json& j) : j_(j) {}

  std::optional<std::string> optStr(const std::string& f, Text t = {});
  std::string str(const std::string& f, Text t = {});  // required, non-empty after trim
  std::optional<int64_t> optInt(const std::string& f, int64_t min, int64_t max);
  int64_t integer(const std::string& f, int64_t min, int64_t max);
  std::optional<bool> optBool(const std::string& f);
  bool boolean(const std::string& f);
  std::vector<int64_t> ids(const std::string& f, size_t maxItems = 100);
  std::vector<std::string> strings(const std::string& f, size_t maxItems = 500);
  bool has(const std::string& f) const { return field(f) != nullptr; }

  void fail(const std::string& f, const std::string& code, const std::string& msg) {
    errors_.push_back({f, code, msg});
  }
  bool ok() const { return errors_.empty(); }
  void done();  // throws a 422 Problem listing every collected error

 private:
  const nlohmann::json* field(const std::string& f) const;  // null when absent or null
  const nlohmann::json& j_;
  std::vector<FieldError> errors_;
};

}  // namespace fy::http
