#include "http/json_in.h"

#include <algorithm>

namespace fy::http {

namespace {
// Length in characters, not bytes: Chinese names are three bytes a character in UTF-8.
size_t utf8Length(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}
std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}
}  // namespace

const nlohmann::json* JsonIn::field(const std::string& f) const {
  if (!j_.is_object()) return nullptr;
  auto it = j_.find(f);
  return it == j_.end() || it->is_null() ? nullptr : &*it;
}

std::optional<std::string> JsonIn::optStr(const std::string& f, Text t) {
  const auto* v = field(f);
  if (!v) return std::nullopt;
  if (!v->is_string()) {
    fail(f, "not_string", "must be a string");
    return std::nullopt;
  }
  std::string s = trim(v->get_ref<const std::string&>());
  size_t n = utf8Length(s);
  if (n < t.min) {
    fail(f, "too_short", "must have at least " + std::to_string(t.min) + " characters");
    return std::nullopt;
  }
  if (n > t.max) {
    fail(f, "too_long", "must have at most " + std::to_string(t.max) + " characters");
    return std::nullopt;
  }
  return s;
}

std::string JsonIn::str(const std::string& f, Text t) {
  if (!has(f)) {
    fail(f, "required", "is required");
    return "";
  }
  if (t.min == 0) t.min = 1;
  return optStr(f, t).value_or("");
}

std::optional<int64_t> JsonIn::optInt(const std::string& f, int64_t min, int64_t max) {
  const auto* v = field(f);
  if (!v) return std::nullopt;
  if (!v->is_number_integer()) {
    fail(f, "not_integer", "must be a whole number");
    return std::nullopt;
  }
  int64_t x =
      v->is_number_unsigned() && v->get<uint64_t>() > INT64_MAX ? INT64_MAX : v->get<int64_t>();
  if (x < min || x > max) {
    fail(f, "out_of_range",
         "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return std::nullopt;
  }
  return x;
}

int64_t JsonIn::integer(const std::string& f, int64_t min, int64_t max) {
  if (!has(f)) {
    fail(f, "required", "is required");
    return 0;
  }
  return optInt(f, min, max).value_or(0);
}

std::optional<bool> JsonIn::optBool(const std::string& f) {
  const auto* v = field(f);
  if (!v) return std::nullopt;
  if (!v->is_boolean()) {
    fail(f, "not_boolean", "must be true or false");
    return std::nullopt;
  }
  return v->get<bool>();
}

bool JsonIn::boolean(const std::string& f) {
  if (!has(f)) {
    fail(f, "required", "is required");
    return false;
  }
  return optBool(f).value_or(false);
}

std::vector<int64_t> JsonIn::ids(const std::string& f, size_t maxItems) {
  std::vector<int64_t> out;
  const auto* found = field(f);
  if (!found) {
    fail(f, "required", "is required");
    return out;
  }
  const auto& v = *found;
  if (!v.is_array()) {
    fail(f, "not_array", "must be an array of ids");
    return out;
  }
  if (v.size() > maxItems) {
    fail(f, "too_many", "must have at most " + std::to_string(maxItems) + " items");
    return out;
  }
  for (const auto& x : v) {
    if (!x.is_number_integer() || x.get<int64_t>() <= 0) {
      fail(f, "not_id", "every item must be a positive whole number");
      return {};
    }
    int64_t id = x.get<int64_t>();
    // A set of ids: repeating one is harmless and must not reach a unique index.
    if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
  }
  return out;
}

std::vector<std::string> JsonIn::strings(const std::string& f, size_t maxItems) {
  std::vector<std::string> out;
  const auto* found = field(f);
  if (!found) {
    fail(f, "required", "is required");
    return out;
  }
  const auto& v = *found;
  if (!v.is_array()) {
    fail(f, "not_array", "must be an array of strings");
    return out;
  }
  if (v.size() > maxItems) {
    fail(f, "too_many", "must have at most " + std::to_string(maxItems) + " items");
    return out;
  }
  for (const auto& x : v) {
    if (!x.is_string() || x.get<std::string>().size() > 100) {
      fail(f, "not_string", "every item must be a short string");
      return {};
    }
    out.push_back(x.get<std::string>());
  }
  return out;
}

void JsonIn::done() {
  if (errors_.empty()) return;
  std::string detail;
  for (const auto& e : errors_) {
    if (!detail.empty()) detail += "; ";
    detail += e.field + " " + e.message;
  }
  throw Problem(422, "validation_failed", detail, errors_);
}

}  // namespace fy::http
