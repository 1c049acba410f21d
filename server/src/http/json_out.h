#pragma once
// A JSON object written straight into a string, for answers sent so often that building a
// nlohmann::json tree first (a map node and a copy per field) costs more than the rest of
// the answer. Strings must be UTF-8, as everything read through the JSON parser or stored
// by this server is.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fy::http {

class JsonOut {
 public:
  JsonOut() { out_.reserve(1024); }

  JsonOut& str(std::string_view key, std::string_view v);
  JsonOut& optStr(std::string_view key, const std::optional<std::string>& v);  // null when empty
  JsonOut& num(std::string_view key, int64_t v);
  JsonOut& num(std::string_view key, const std::optional<int64_t>& v);  // null when empty
  JsonOut& boolean(std::string_view key, bool v);
  JsonOut& null(std::string_view key);

  // The finished object; the writer is empty afterwards.
  std::string take();

 private:
  void key(std::string_view k);
  void quoted(std::string_view s);
  std::string out_ = "{";
};

}  // namespace fy::http
