// XLSX import and export for bulk data (rosters, vaccination records, statistics).
//
// Reading streams the first worksheet through expat, so memory stays proportional to the
// result rather than to the XML; writing uses libxlsxwriter's constant_memory mode, which
// flushes each row to a temporary file as soon as the next one starts.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/csv.h"

namespace fy::xlsx {

// Rows of the first worksheet (the first tab, as listed in the workbook) of an .xlsx held in
// memory. Row::number is the sheet row number, so it matches what the user sees in Excel.
//
// Cells are placed by their reference (r="B3"); gaps become "" and trailing empty cells are
// dropped, so a row is as long as its last non-empty cell. Rows without any non-empty cell
// are left out. Values come back as text:
//  - shared and inline strings as written (rich-text runs joined, phonetic hints skipped,
//    _xHHHH_ escapes decoded);
//  - numbers exactly as their digits appear in the XML, never via double, so an 18-digit ID
//    stored as a number keeps every digit. Redundant zeros go ("12.50" -> "12.5",
//    "7.0" -> "7") and exponents are expanded ("1.5E+3" -> "1500");
//  - numbers with a date or time format as "YYYY-MM-DD", "YYYY-MM-DD HH:MM:SS" or "HH:MM:SS"
//    (both the 1900 and 1904 date systems), since a date typed in Excel is stored as a serial
//    day number and "32874" would be useless to the caller;
//  - booleans as "TRUE" / "FALSE"; formula cells as their cached result; errors as "#N/A" etc.
//
// Throws std::runtime_error: "not an xlsx file" when the bytes are not a zip holding a
// workbook, "malformed xlsx: ..." for broken XML, bad references or missing parts.
std::vector<csv::Row> readFirstSheet(const std::string& bytes);

// Writes one worksheet, row by row, into a temporary file created with mkstemp in `tmpDir`
// (libxlsxwriter's own per-sheet scratch file goes there too). finish() returns the finished
// file's bytes and removes the temporary file; if finish() is never called, the destructor
// discards everything without assembling the workbook.
//
// Every call except the destructor throws on failure; after an exception, and after being
// moved from, a Writer may only be destroyed (or assigned to).
class Writer {
 public:
  // Throws std::invalid_argument for a sheet name Excel rejects (empty, over 31 characters,
  // any of []:*?/\ or a leading/trailing apostrophe), std::system_error when the temporary
  // file cannot be created.
  Writer(const std::string& tmpDir, const std::string& sheetName);
  ~Writer();
  Writer(Writer&&) noexcept;
  Writer& operator=(Writer&&) noexcept;
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Bold titles in the first row, which stays frozen while scrolling; the titled columns get
  // a width of 16 characters. Only allowed before any row (std::logic_error otherwise).
  void header(const std::vector<std::string>& titles);

  // The next row, every cell as a string (an ID or phone number must never turn into a
  // number). Cells starting with '=', '+', '-', '@', TAB or CR get a leading apostrophe, the
  // same guard as csv::line(), so copying the data onward cannot smuggle a formula. Strings
  // longer than Excel's 32767-byte cell limit are cut at a UTF-8 character boundary.
  // Throws std::length_error past Excel's 1048576 rows or 16384 columns.
  void row(const std::vector<std::string>& cells);

  // Like row(), but cells whose `numeric` flag is set and that parse completely as a decimal
  // number are written as numbers so spreadsheet sums work (statistics sheets). Anything
  // else, including missing flags, is written as by row().
  void rowMixed(const std::vector<std::string>& cells, const std::vector<bool>& numeric);

  // Assembles the workbook and returns its bytes. Throws std::logic_error when called twice.
  std::string finish();
  // Closes the workbook and hands over its temporary file (the caller deletes it): a large
  // export can then be streamed from disk instead of held in memory.
  std::string finishToFile();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fy::xlsx
