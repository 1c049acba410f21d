#include "http/json_out.h"

namespace fy::http {

void JsonOut::quoted(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out_ += '"';
  size_t plain = 0;  // start of the run of characters copied as they are
  for (size_t i = 0; i < s.size(); ++i) {
    const auto u = static_cast<unsigned char>(s[i]);
    if (u >= 0x20 && u != '"' && u != '\\') continue;
    out_.append(s.data() + plain, i - plain);
    plain = i + 1;
    switch (u) {
      case '"':
        out_ += "\\\"";
        break;
      case '\\':
        out_ += "\\\\";
        break;
      case '\n':
        out_ += "\\n";
        break;
      case '\r':
        out_ += "\\r";
        break;
      case '\t':
        out_ += "\\t";
        break;
      case '\b':
        out_ += "\\b";
        break;
      case '\f':
        out_ += "\\f";
        break;
      default:
        out_ += "\\u00";
        out_ += kHex[u >> 4];
        out_ += kHex[u & 15];
    }
  }
  out_.append(s.data() + plain, s.size() - plain);
  out_ += '"';
}

void JsonOut::key(std::string_view k) {
  if (out_.size() > 1) out_ += ',';
  quoted(k);
  out_ += ':';
}

JsonOut& JsonOut::str(std::string_view k, std::string_view v) {
  key(k);
  quoted(v);
  return *this;
}

JsonOut& JsonOut::num(std::string_view k, int64_t v) {
  key(k);
  out_ += std::to_string(v);
  return *this;
}

JsonOut& JsonOut::num(std::string_view k, const std::optional<int64_t>& v) {
  return v ? num(k, *v) : null(k);
}

JsonOut& JsonOut::optStr(std::string_view k, const std::optional<std::string>& v) {
  return v ? str(k, *v) : null(k);
}

JsonOut& JsonOut::boolean(std::string_view k, bool v) {
  key(k);
  out_ += v ? "true" : "false";
  return *this;
}

JsonOut& JsonOut::null(std::string_view k) {
  key(k);
  out_ += "null";
  return *this;
}

std::string JsonOut::take() {
  out_ += '}';
  std::string done;
  done.swap(out_);
  out_.push_back('{');
  return done;
}

}  // namespace fy::http
