// CSV reading and writing for bulk import/export (RFC 4180 with the usual spreadsheet leniency).
//
// Record numbers are what a user sees as the row number when the file is opened in a
// spreadsheet, so import errors can point at "row 7" and match both CSV and XLSX uploads.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace fy::csv {

struct Row {
  std::size_t number;              // 1-based record number in the file (the header is 1)
  std::vector<std::string> cells;  // as written, no trimming
};

// Parses RFC 4180 text: fields separated by ',', optionally enclosed in '"' with "" standing
// for one quote; quoted fields may contain separators and line breaks. Records end with CRLF,
// LF or a lone CR. A UTF-8 BOM at the very start is dropped.
//
// Records whose fields are all empty (blank lines, ",,,") are left out, but they still count
// for numbering, as does every record, however many physical lines it spans.
//
// Lenient like spreadsheets: a quote inside an unquoted field is kept literally, and text after
// a closing quote is appended to the field. Throws std::runtime_error for a quoted field that is
// still open at the end of the text, since everything after the stray quote would silently
// collapse into one cell.
std::vector<Row> parse(std::string_view text);

// One CSV record terminated by CRLF. Cells containing ',', '"', CR or LF are quoted.
//
// Cells starting with '=', '+', '-', '@', TAB or CR get a leading apostrophe so a spreadsheet
// opening the file never evaluates them as formulas (CSV injection). This also applies to
// negative numbers: an exported "-5" reads back as "'-5".
std::string line(const std::vector<std::string>& cells);

}  // namespace fy::csv
