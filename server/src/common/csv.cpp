#include "common/csv.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace fy::csv {
namespace {

bool allEmpty(const std::vector<std::string>& cells) {
  return std::all_of(cells.begin(), cells.end(), [](const std::string& c) { return c.empty(); });
}

bool looksLikeFormula(std::string_view cell) {
  if (cell.empty()) return false;
  switch (cell.front()) {
    case '=':
    case '+':
    case '-':
    case '@':
    case '\t':
    case '\r':
      return true;
    default:
      return false;
  }
}

}  // namespace

std::vector<Row> parse(std::string_view text) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);

  std::vector<Row> rows;
  std::vector<std::string> cells;
  std::string field;
  std::size_t record = 1;
  // A quote only opens a quoted field as the field's first character; elsewhere it is literal.
  bool atFieldStart = true;

  const auto endField = [&] {
    cells.push_back(std::move(field));
    field.clear();
    atFieldStart = true;
  };
  const auto endRecord = [&] {
    endField();
    if (!allEmpty(cells)) rows.push_back(Row{record, std::move(cells)});
    cells.clear();
    ++record;
  };

  std::size_t i = 0;
  const std::size_t n = text.size();
  while (i < n) {
    const char c = text[i];
    if (atFieldStart && c == '"') {
      atFieldStart = false;
      ++i;
      for (;;) {
        const std::size_t q = text.find('"', i);
        if (q == std::string_view::npos) {
          throw std::runtime_error("unterminated quoted field in record " + std::to_string(record));
        }
        field.append(text.substr(i, q - i));
        if (q + 1 < n && text[q + 1] == '"') {
          field += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      continue;
    }
    if (c == ',') {
      endField();
      ++i;
    } else if (c == '\r' || c == '\n') {
      endRecord();
      i += (c == '\r' && i + 1 < n && text[i + 1] == '\n') ? 2 : 1;
    } else {
      atFieldStart = false;
      const std::size_t j = std::min(text.find_first_of(",\r\n", i), n);
      field.append(text.substr(i, j - i));
      i = j;
    }
  }
  // Text not ending in a line break still has its last record pending ("a,b" or "a,").
  if (!atFieldStart || !cells.empty()) endRecord();
  return rows;
}

std::string line(const std::vector<std::string>& cells) {
  std::string out;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) out += ',';
    std::string cell = looksLikeFormula(cells[i]) ? "'" + cells[i] : cells[i];
    if (cell.find_first_of(",\"\r\n") == std::string::npos) {
      out += cell;
      continue;
    }
    out += '"';
    for (char c : cell) {
      if (c == '"') out += '"';
      out += c;
    }
    out += '"';
  }
  out += "\r\n";
  return out;
}

}  // namespace fy::csv
