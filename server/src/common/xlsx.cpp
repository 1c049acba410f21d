#include "common/xlsx.h"

#include <expat.h>
#include <minizip/unzip.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <map>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <utility>

namespace fy::xlsx {
namespace {

[[noreturn]] void notXlsx() { throw std::runtime_error("not an xlsx file"); }
[[noreturn]] void malformed(const std::string& what) {
  throw std::runtime_error("malformed xlsx: " + what);
}

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

template <typename T>
std::optional<T> parseUnsigned(std::string_view s) {
  s = trim(s);
  T v{};
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// ---------------------------------------------------------------------------------------------
// Zip access straight from memory: uploads arrive as a request body, and a temp file would
// only add a disk round trip and a file to clean up.

struct MemStream {
  const std::string* data;
  ZPOS64_T pos;
};

voidpf ZCALLBACK memOpen(voidpf opaque, const void*, int mode) {
  if ((mode & ZLIB_FILEFUNC_MODE_READWRITEFILTER) != ZLIB_FILEFUNC_MODE_READ) return nullptr;
  auto* s = static_cast<MemStream*>(opaque);
  s->pos = 0;
  return s;
}

uLong ZCALLBACK memRead(voidpf, voidpf stream, void* buf, uLong size) {
  auto* s = static_cast<MemStream*>(stream);
  const ZPOS64_T total = s->data->size();
  const ZPOS64_T avail = s->pos < total ? total - s->pos : 0;
  const auto n = static_cast<uLong>(std::min<ZPOS64_T>(size, avail));
  if (n > 0) std::memcpy(buf, s->data->data() + s->pos, n);
  s->pos += n;
  return n;
}

uLong ZCALLBACK memWrite(voidpf, voidpf, const void*, uLong) { return 0; }

ZPOS64_T ZCALLBACK memTell(voidpf, voidpf stream) { return static_cast<MemStream*>(stream)->pos; }

long ZCALLBACK memSeek(voidpf, voidpf stream, ZPOS64_T offset, int origin) {
  auto* s = static_cast<MemStream*>(stream);
  ZPOS64_T base = 0;
  switch (origin) {
    case ZLIB_FILEFUNC_SEEK_SET:
      base = 0;
      break;
    case ZLIB_FILEFUNC_SEEK_CUR:
      base = s->pos;
      break;
    case ZLIB_FILEFUNC_SEEK_END:
      base = s->data->size();
      break;
    default:
      return -1;
  }
  if (offset > s->data->size() || base > s->data->size() - offset) return -1;
  s->pos = base + offset;
  return 0;
}

int ZCALLBACK memClose(voidpf, voidpf) { return 0; }
int ZCALLBACK memError(voidpf, voidpf) { return 0; }

constexpr XML_Char kNsSep = '|';

// Element and attribute names with any namespace URI stripped: some generators prefix
// SpreadsheetML elements (<x:c>), and Strict OOXML uses different namespace URIs.
std::string_view localName(const XML_Char* name) {
  const char* sep = std::strrchr(name, kNsSep);
  return sep ? sep + 1 : name;
}

const char* attr(const XML_Char** attrs, std::string_view local) {
  for (; *attrs; attrs += 2) {
    if (localName(attrs[0]) == local) return attrs[1];
  }
  return nullptr;
}

class XmlHandler {
 public:
  virtual ~XmlHandler() = default;
  virtual void start(std::string_view name, const XML_Char** attrs) = 0;
  virtual void end(std::string_view name) = 0;
  virtual void text(std::string_view) {}
};

// Exceptions must not unwind through expat's C frames: they are parked here and the parser is
// stopped. Expat may still deliver a callback or two after stopping, hence the early returns.
struct ParseState {
  XmlHandler* handler;
  XML_Parser parser;
  std::exception_ptr error;

  template <typename F>
  void guarded(F&& f) {
    if (error) return;
    try {
      f();
    } catch (...) {
      error = std::current_exception();
      XML_StopParser(parser, XML_FALSE);
    }
  }
};

void XMLCALL onStart(void* ud, const XML_Char* name, const XML_Char** attrs) {
  auto* st = static_cast<ParseState*>(ud);
  st->guarded([&] { st->handler->start(localName(name), attrs); });
}

void XMLCALL onEnd(void* ud, const XML_Char* name) {
  auto* st = static_cast<ParseState*>(ud);
  st->guarded([&] { st->handler->end(localName(name)); });
}

void XMLCALL onText(void* ud, const XML_Char* s, int len) {
  auto* st = static_cast<ParseState*>(ud);
  st->guarded([&] { st->handler->text(std::string_view(s, static_cast<std::size_t>(len))); });
}

class Zip {
 public:
  explicit Zip(const std::string& bytes) : stream_{&bytes, 0} {
    zlib_filefunc64_def io{memOpen, memRead,  memWrite, memTell,
                           memSeek, memClose, memError, &stream_};
    zip_ = unzOpen2_64("memory", &io);
    if (!zip_) notXlsx();
  }
  ~Zip() { unzClose(zip_); }
  Zip(const Zip&) = delete;
  Zip& operator=(const Zip&) = delete;

  // OPC part names are case-insensitive.
  bool has(const std::string& name) { return unzLocateFile(zip_, name.c_str(), 2) == UNZ_OK; }

  // Streams part `name` through `handler` in 64 KiB pieces. False when there is no such part.
  bool parse(const std::string& name, XmlHandler& handler) {
    if (!has(name)) return false;
    if (unzOpenCurrentFile(zip_) != UNZ_OK) malformed("cannot open " + name);
    struct EntryCloser {
      unzFile zip;
      bool open = true;
      ~EntryCloser() {
        if (open) unzCloseCurrentFile(zip);
      }
    } entry{zip_};

    std::unique_ptr<XML_ParserStruct, decltype(&XML_ParserFree)> parser(
        XML_ParserCreateNS(nullptr, kNsSep), &XML_ParserFree);
    if (!parser) throw std::bad_alloc();
    ParseState state{&handler, parser.get(), nullptr};
    XML_SetUserData(parser.get(), &state);
    XML_SetElementHandler(parser.get(), onStart, onEnd);
    XML_SetCharacterDataHandler(parser.get(), onText);

    std::vector<char> buf(64 * 1024);
    for (;;) {
      const int n = unzReadCurrentFile(zip_, buf.data(), static_cast<unsigned>(buf.size()));
      if (n < 0) malformed("corrupt zip entry " + name);
      const bool last = n == 0;
      if (XML_Parse(parser.get(), buf.data(), n, last) != XML_STATUS_OK) {
        if (state.error) std::rethrow_exception(state.error);
        malformed(name + ": " + XML_ErrorString(XML_GetErrorCode(parser.get())) + " at line " +
                  std::to_string(XML_GetCurrentLineNumber(parser.get())));
      }
      if (last) break;
    }
    entry.open = false;
    if (unzCloseCurrentFile(zip_) != UNZ_OK) malformed("checksum mismatch in " + name);
    return true;
  }

 private:
  MemStream stream_;
  unzFile zip_ = nullptr;
};

// ---------------------------------------------------------------------------------------------
// Package structure: _rels/.rels -> workbook -> its rels -> first sheet, shared strings, styles.

struct Rel {
  std::string id, type, target;
};

class RelsHandler : public XmlHandler {
 public:
  std::vector<Rel> rels;

  void start(std::string_view name, const XML_Char** attrs) override {
    if (name != "Relationship") return;
    const char* mode = attr(attrs, "TargetMode");
    if (mode && std::string_view(mode) == "External") return;
    const char* id = attr(attrs, "Id");
    const char* type = attr(attrs, "Type");
    const char* target = attr(attrs, "Target");
    if (id && type && target) rels.push_back({id, type, target});
  }
  void end(std::string_view) override {}

  // Relationship types differ between Transitional and Strict only in their prefix.
  const Rel* byType(std::string_view suffix) const {
    for (const auto& r : rels) {
      if (std::string_view(r.type).ends_with(suffix)) return &r;
    }
    return nullptr;
  }
  const Rel* byId(std::string_view id) const {
    for (const auto& r : rels) {
      if (r.id == id) return &r;
    }
    return nullptr;
  }
};

// `target` relative to the folder `baseDir` (ending in '/' or empty), or absolute from the
// package root; "." and ".." segments are resolved.
std::string resolvePart(const std::string& baseDir, const std::string& target) {
  const std::string joined = target.starts_with('/') ? target.substr(1) : baseDir + target;
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= joined.size()) {
    const std::size_t slash = std::min(joined.find('/', start), joined.size());
    const std::string seg = joined.substr(start, slash - start);
    if (seg == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!seg.empty() && seg != ".") {
      parts.push_back(seg);
    }
    start = slash + 1;
  }
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : "/") + p;
  return out;
}

std::string dirOf(const std::string& part) {
  const auto slash = part.rfind('/');
  return slash == std::string::npos ? "" : part.substr(0, slash + 1);
}

std::string relsOf(const std::string& part) {
  const auto slash = part.rfind('/');
  const std::string file = slash == std::string::npos ? part : part.substr(slash + 1);
  return dirOf(part) + "_rels/" + file + ".rels";
}

class WorkbookHandler : public XmlHandler {
 public:
  std::string firstSheetRelId;
  bool date1904 = false;
  bool sawWorkbook = false;

  void start(std::string_view name, const XML_Char** attrs) override {
    if (name == "workbook") {
      sawWorkbook = true;
    } else if (name == "sheet" && firstSheetRelId.empty()) {
      // r:id; the only attribute of <sheet> whose local name is "id".
      if (const char* id = attr(attrs, "id")) firstSheetRelId = id;
    } else if (name == "workbookPr") {
      const char* v = attr(attrs, "date1904");
      date1904 = v && (std::string_view(v) == "1" || std::string_view(v) == "true");
    }
  }
  void end(std::string_view) override {}
};

// OOXML escapes characters XML cannot carry as _xHHHH_ (and a literal "_x" as _x005F_x).
std::string decodeEscapes(std::string s) {
  if (s.find("_x") == std::string::npos) return s;
  const auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '_' && i + 6 < s.size() && s[i + 1] == 'x' && s[i + 6] == '_') {
      unsigned cp = 0;
      bool ok = true;
      for (std::size_t k = 2; k < 6 && ok; ++k) {
        const int h = hex(s[i + k]);
        ok = h >= 0;
        cp = cp * 16 + static_cast<unsigned>(h);
      }
      // Lone surrogates cannot be encoded as UTF-8; leave such text alone.
      if (ok && (cp < 0xD800 || cp > 0xDFFF)) {
        if (cp < 0x80) {
          out += static_cast<char>(cp);
        } else if (cp < 0x800) {
          out += static_cast<char>(0xC0 | (cp >> 6));
          out += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
          out += static_cast<char>(0xE0 | (cp >> 12));
          out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
          out += static_cast<char>(0x80 | (cp & 0x3F));
        }
        i += 6;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

class SharedStringsHandler : public XmlHandler {
 public:
  std::vector<std::string> strings;

  void start(std::string_view name, const XML_Char**) override {
    if (name == "si") {
      inSi_ = true;
      cur_.clear();
    } else if (name == "rPh") {
      ++phonetic_;
    } else if (name == "t" && inSi_ && phonetic_ == 0) {
      inT_ = true;
    }
  }
  void end(std::string_view name) override {
    if (name == "t") {
      inT_ = false;
    } else if (name == "rPh") {
      --phonetic_;
    } else if (name == "si") {
      strings.push_back(decodeEscapes(std::move(cur_)));
      cur_.clear();
      inSi_ = false;
    }
  }
  void text(std::string_view s) override {
    if (inT_) cur_.append(s);
  }

 private:
  std::string cur_;
  bool inSi_ = false;
  bool inT_ = false;
  int phonetic_ = 0;
};

// Whether a number format displays a date or time: any of the date/time letters outside
// quoted literals, escapes and [colour]/[$-locale] brackets ([h], [mm], [ss] are elapsed time).
bool isDateFormatCode(std::string_view code) {
  bool quoted = false;
  for (std::size_t i = 0; i < code.size(); ++i) {
    const char c = code[i];
    if (c == '"') {
      quoted = !quoted;
      continue;
    }
    if (quoted) continue;
    if (c == '\\' || c == '_' || c == '*') {
      ++i;  // the next character is a literal, a padding width or a fill character
      continue;
    }
    if (c == '[') {
      const auto close = code.find(']', i);
      if (close == std::string_view::npos) return false;
      const auto inner = code.substr(i + 1, close - i - 1);
      if (!inner.empty() && inner.find_first_not_of("hHmMsS") == std::string_view::npos) {
        return true;
      }
      i = close;
      continue;
    }
    if (c == ';') break;  // later sections are for negatives, zero and text
    switch (c) {
      case 'd':
      case 'D':
      case 'm':
      case 'M':
      case 'y':
      case 'Y':
      case 'h':
      case 'H':
      case 's':
      case 'S':
        return true;
      default:
        break;
    }
  }
  return false;
}

// Built-in formats 14-22 and 45-47 are dates and times everywhere; 27-36 and 50-58 are the
// East Asian date formats (e.g. yyyy"年"m"月"d"日"), which Chinese Excel writes by id only.
bool isBuiltinDateFormat(unsigned id) {
  return (id >= 14 && id <= 22) || (id >= 27 && id <= 36) || (id >= 45 && id <= 47) ||
         (id >= 50 && id <= 58);
}

class StylesHandler : public XmlHandler {
 public:
  std::vector<bool> dateStyles;  // by cell style index (the s attribute)

  void start(std::string_view name, const XML_Char** attrs) override {
    if (name == "numFmt") {
      const char* id = attr(attrs, "numFmtId");
      const char* code = attr(attrs, "formatCode");
      if (id && code) {
        if (auto v = parseUnsigned<unsigned>(id)) custom_[*v] = code;
      }
    } else if (name == "cellXfs") {
      inCellXfs_ = true;
    } else if (name == "xf" && inCellXfs_) {
      const char* id = attr(attrs, "numFmtId");
      xfFormats_.push_back(id ? parseUnsigned<unsigned>(id).value_or(0) : 0);
    }
  }
  void end(std::string_view name) override {
    if (name == "cellXfs") inCellXfs_ = false;
    if (name == "styleSheet") finish();
  }

  void finish() {
    dateStyles.clear();
    for (unsigned id : xfFormats_) {
      const auto it = custom_.find(id);
      dateStyles.push_back(it != custom_.end() ? isDateFormatCode(it->second)
                                               : isBuiltinDateFormat(id));
    }
  }

 private:
  std::map<unsigned, std::string> custom_;
  std::vector<unsigned> xfFormats_;
  bool inCellXfs_ = false;
};

// ---------------------------------------------------------------------------------------------
// Cell values.

// The number exactly as written, in plain decimal notation: "320102199001011234" stays as is
// (a double would turn it into ...1200), "7.0" -> "7", "1.5E+3" -> "1500", "1E-3" -> "0.001".
// Text that is not a plain number is returned unchanged.
std::string normalizeNumber(std::string_view raw) {
  const std::string_view s = trim(raw);
  std::size_t i = 0;
  bool negative = false;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) negative = s[i++] == '-';
  const std::size_t intStart = i;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  std::string digits(s.substr(intStart, i - intStart));
  long point = static_cast<long>(digits.size());
  if (i < s.size() && s[i] == '.') {
    const std::size_t fracStart = ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    digits.append(s.substr(fracStart, i - fracStart));
  }
  if (digits.empty()) return std::string(raw);
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    long exp = 0;
    const char* first = s.data() + i + (i < s.size() && s[i] == '+' ? 1 : 0);
    const auto [end, ec] = std::from_chars(first, s.data() + s.size(), exp);
    // Beyond a few hundred digits, plain notation helps nobody: keep what was written.
    if (ec != std::errc() || exp > 308 || exp < -308) return std::string(raw);
    i = static_cast<std::size_t>(end - s.data());
    point += exp;
  }
  if (i != s.size()) return std::string(raw);

  std::string whole, frac;
  if (point <= 0) {
    whole = "0";
    frac = std::string(static_cast<std::size_t>(-point), '0') + digits;
  } else if (static_cast<std::size_t>(point) >= digits.size()) {
    whole = digits + std::string(static_cast<std::size_t>(point) - digits.size(), '0');
  } else {
    whole = digits.substr(0, static_cast<std::size_t>(point));
    frac = digits.substr(static_cast<std::size_t>(point));
  }
  whole.erase(0, std::min(whole.find_first_not_of('0'), whole.size() - 1));
  frac.erase(frac.find_last_not_of('0') + 1);
  const bool zero = whole == "0" && frac.empty();
  return (negative && !zero ? "-" : "") + whole + (frac.empty() ? "" : "." + frac);
}

// Excel serial day number as ISO text. In the 1900 system day 1 is 1900-01-01 and day 60 is
// the fictitious 1900-02-29 (kept for Lotus compatibility); day 0 carries only a time.
std::optional<std::string> formatSerialDate(std::string_view raw, bool date1904) {
  const std::string_view s = trim(raw);
  double serial = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), serial);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  if (!(serial >= 0 && serial < 2958466)) return std::nullopt;  // up to 9999-12-31
  auto days = static_cast<long>(std::floor(serial));
  auto secs = static_cast<long>(std::llround((serial - static_cast<double>(days)) * 86400.0));
  if (secs >= 86400) {
    ++days;
    secs -= 86400;
  }
  char time[32];  // room for any long, to keep -Wformat-truncation quiet
  std::snprintf(time, sizeof time, "%02ld:%02ld:%02ld", secs / 3600, secs / 60 % 60, secs % 60);
  if (!date1904 && days == 0) return std::string(time);

  using namespace std::chrono;
  char date[32];
  if (!date1904 && days == 60) {
    std::snprintf(date, sizeof date, "1900-02-29");
  } else {
    const sys_days epoch = date1904    ? sys_days{year{1904} / 1 / 1}
                           : days < 60 ? sys_days{year{1899} / 12 / 31}
                                       : sys_days{year{1899} / 12 / 30};
    const year_month_day ymd{epoch + std::chrono::days{days}};
    std::snprintf(date, sizeof date, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  }
  return secs == 0 ? std::string(date) : std::string(date) + " " + time;
}

// Column index from a reference such as "B3" (0-based; "A" is 0, "XFD" the last).
std::size_t columnOf(std::string_view ref) {
  std::size_t col = 0;
  std::size_t i = 0;
  for (; i < ref.size() && i < 4; ++i) {
    const char c = ref[i];
    if (c >= 'A' && c <= 'Z') {
      col = col * 26 + static_cast<std::size_t>(c - 'A' + 1);
    } else if (c >= 'a' && c <= 'z') {
      col = col * 26 + static_cast<std::size_t>(c - 'a' + 1);
    } else {
      break;
    }
  }
  if (col == 0 || col > 16384) malformed("bad cell reference \"" + std::string(ref) + "\"");
  return col - 1;
}

class SheetHandler : public XmlHandler {
 public:
  SheetHandler(const std::vector<std::string>& shared, const std::vector<bool>& dateStyles,
               bool date1904)
      : shared_(shared), dateStyles_(dateStyles), date1904_(date1904) {}

  std::vector<csv::Row> rows;

  void start(std::string_view name, const XML_Char** attrs) override {
    if (name == "row") {
      startRow(attr(attrs, "r"));
    } else if (!inRow_) {
      return;
    } else if (name == "c") {
      startCell(attrs);
    } else if (!inCell_) {
      return;
    } else if (name == "v") {
      inValue_ = true;
    } else if (name == "is") {
      inInline_ = true;
    } else if (name == "rPh") {
      ++phonetic_;
    } else if (name == "t" && inInline_ && phonetic_ == 0) {
      inValue_ = true;
    }
  }

  void end(std::string_view name) override {
    if (name == "v" || name == "t") {
      inValue_ = false;
    } else if (name == "rPh") {
      --phonetic_;
    } else if (name == "is") {
      inInline_ = false;
    } else if (name == "c" && inCell_) {
      endCell();
    } else if (name == "row" && inRow_) {
      if (!cells_.empty()) rows.push_back(csv::Row{rowNumber_, std::move(cells_)});
      cells_.clear();
      inRow_ = false;
    }
  }

  void text(std::string_view s) override {
    if (inValue_) value_.append(s);
  }

 private:
  enum class Type { Number, Shared, Inline, Text, Boolean, Verbatim };

  void startRow(const char* r) {
    if (r) {
      const auto n = parseUnsigned<std::size_t>(r);
      if (!n || *n == 0) malformed("bad row number \"" + std::string(r) + "\"");
      rowNumber_ = *n;
    } else {
      ++rowNumber_;  // r is optional; rows then follow one another
    }
    inRow_ = true;
    cells_.clear();
    nextColumn_ = 0;
  }

  void startCell(const XML_Char** attrs) {
    inCell_ = true;
    inValue_ = false;
    inInline_ = false;
    phonetic_ = 0;
    value_.clear();
    const char* r = nullptr;
    const char* t = nullptr;
    const char* s = nullptr;
    for (auto a = attrs; *a; a += 2) {
      const auto n = localName(a[0]);
      if (n == "r") {
        r = a[1];
      } else if (n == "t") {
        t = a[1];
      } else if (n == "s") {
        s = a[1];
      }
    }
    column_ = r ? columnOf(r) : nextColumn_;
    style_ = s ? parseUnsigned<std::size_t>(s).value_or(0) : 0;
    const std::string_view type = t ? t : "n";
    if (type == "s") {
      type_ = Type::Shared;
    } else if (type == "inlineStr") {
      type_ = Type::Inline;
    } else if (type == "str") {
      type_ = Type::Text;
    } else if (type == "b") {
      type_ = Type::Boolean;
    } else if (type == "n") {
      type_ = Type::Number;
    } else {
      type_ = Type::Verbatim;  // "e" (error such as #N/A), "d" (ISO 8601 date)
    }
  }

  void endCell() {
    inCell_ = false;
    std::string out;
    switch (type_) {
      case Type::Shared: {
        if (trim(value_).empty()) break;
        const auto idx = parseUnsigned<std::size_t>(value_);
        if (!idx || *idx >= shared_.size()) {
          malformed("shared string index " + value_ + " out of range");
        }
        out = shared_[*idx];
        break;
      }
      case Type::Inline:
      case Type::Text:
        out = decodeEscapes(std::move(value_));
        break;
      case Type::Boolean: {
        const auto v = trim(value_);
        if (!v.empty()) out = v == "1" || v == "true" ? "TRUE" : "FALSE";
        break;
      }
      case Type::Number:
        if (trim(value_).empty()) break;
        if (style_ < dateStyles_.size() && dateStyles_[style_]) {
          if (auto d = formatSerialDate(value_, date1904_)) {
            out = std::move(*d);
            break;
          }
        }
        out = normalizeNumber(value_);
        break;
      case Type::Verbatim:
        out = std::move(value_);
        break;
    }
    value_.clear();
    if (!out.empty()) {
      if (cells_.size() <= column_) cells_.resize(column_ + 1);
      cells_[column_] = std::move(out);
    }
    nextColumn_ = column_ + 1;
  }

  const std::vector<std::string>& shared_;
  const std::vector<bool>& dateStyles_;
  const bool date1904_;

  std::size_t rowNumber_ = 0;
  std::vector<std::string> cells_;
  bool inRow_ = false;

  bool inCell_ = false;
  bool inValue_ = false;
  bool inInline_ = false;
  int phonetic_ = 0;
  std::size_t column_ = 0;
  std::size_t nextColumn_ = 0;
  std::size_t style_ = 0;
  Type type_ = Type::Number;
  std::string value_;
};

// ---------------------------------------------------------------------------------------------
// Writing.

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

constexpr std::size_t kMaxCellBytes = 32767;

bool isHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// libxlsxwriter writes text that happens to look like an _xHHHH_ escape verbatim, so Excel
// (and readFirstSheet) would decode it; escaping its underscore as _x005F_ keeps it literal.
std::string escapeEscapes(const std::string& s) {
  if (s.find("_x") == std::string::npos) return s;
  std::string out;
  out.reserve(s.size() + 16);
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '_' && i + 6 < s.size() && s[i + 1] == 'x' && isHex(s[i + 2]) && isHex(s[i + 3]) &&
        isHex(s[i + 4]) && isHex(s[i + 5]) && s[i + 6] == '_') {
      out += "_x005F";
    }
    out += s[i];
  }
  return out;
}

std::string cellText(const std::string& cell) {
  std::string s = escapeEscapes(looksLikeFormula(cell) ? "'" + cell : cell);
  if (s.size() > kMaxCellBytes) {
    std::size_t cut = kMaxCellBytes;
    // Back off continuation bytes (10xxxxxx) so no character is split.
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
    s.resize(cut);
  }
  return s;
}

std::optional<double> parseNumber(const std::string& s) {
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) {
    return std::nullopt;
  }
  return v;
}

void check(lxw_error err) {
  if (err != LXW_NO_ERROR) throw std::runtime_error(std::string("xlsx: ") + lxw_strerror(err));
}

}  // namespace

std::vector<csv::Row> readFirstSheet(const std::string& bytes) {
  Zip zip(bytes);

  std::string workbookPart = "xl/workbook.xml";
  RelsHandler rootRels;
  if (zip.parse("_rels/.rels", rootRels)) {
    if (const Rel* r = rootRels.byType("/officeDocument"))
      workbookPart = resolvePart("", r->target);
  }
  WorkbookHandler workbook;
  if (!zip.parse(workbookPart, workbook) || !workbook.sawWorkbook) notXlsx();

  RelsHandler rels;
  zip.parse(relsOf(workbookPart), rels);
  const std::string base = dirOf(workbookPart);
  std::string sheetPart;
  if (const Rel* r = rels.byId(workbook.firstSheetRelId)) sheetPart = resolvePart(base, r->target);
  if (sheetPart.empty() || !zip.has(sheetPart)) {
    // Tolerate writers that skip the relationship bookkeeping.
    sheetPart = base + "worksheets/sheet1.xml";
    if (!zip.has(sheetPart)) malformed("no worksheet");
  }

  SharedStringsHandler shared;
  const Rel* sst = rels.byType("/sharedStrings");
  zip.parse(sst ? resolvePart(base, sst->target) : base + "sharedStrings.xml", shared);

  StylesHandler styles;
  const Rel* st = rels.byType("/styles");
  if (zip.parse(st ? resolvePart(base, st->target) : base + "styles.xml", styles)) styles.finish();

  SheetHandler sheet(shared.strings, styles.dateStyles, workbook.date1904);
  zip.parse(sheetPart, sheet);
  return std::move(sheet.rows);
}

struct Writer::Impl {
  std::string tmpDir;
  std::string path;
  lxw_workbook* workbook = nullptr;
  lxw_worksheet* sheet = nullptr;
  lxw_format* bold = nullptr;
  lxw_row_t nextRow = 0;
  bool finished = false;

  ~Impl() {
    if (workbook) {
      // lxw_workbook_free releases everything but the constant_memory scratch file (only
      // workbook_close, which would assemble the whole file, closes it). It is an unlinked
      // tmpfile, so closing it here is all the cleanup it needs.
      if (sheet && sheet->optimize_tmpfile) {
        std::fclose(sheet->optimize_tmpfile);
        sheet->optimize_tmpfile = nullptr;
        sheet->file = nullptr;
      }
      lxw_workbook_free(workbook);
    }
    if (!path.empty()) ::unlink(path.c_str());
  }

  void writeRow(const std::vector<std::string>& cells, const std::vector<bool>* numeric,
                lxw_format* format) {
    if (finished) throw std::logic_error("xlsx: writer already finished");
    if (nextRow >= LXW_ROW_MAX) throw std::length_error("xlsx: too many rows");
    if (cells.size() > LXW_COL_MAX) throw std::length_error("xlsx: too many columns");
    for (std::size_t i = 0; i < cells.size(); ++i) {
      if (cells[i].empty()) continue;
      const auto col = static_cast<lxw_col_t>(i);
      if (numeric && i < numeric->size() && (*numeric)[i]) {
        if (const auto v = parseNumber(cells[i])) {
          check(worksheet_write_number(sheet, nextRow, col, *v, format));
          continue;
        }
      }
      check(worksheet_write_string(sheet, nextRow, col, cellText(cells[i]).c_str(), format));
    }
    ++nextRow;
  }
};

Writer::Writer(const std::string& tmpDir, const std::string& sheetName)
    : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.tmpDir = tmpDir;
  std::string tmpl = tmpDir + "/fy-xlsx-XXXXXX";
  const int fd = ::mkstemp(tmpl.data());
  if (fd < 0) {
    throw std::system_error(errno, std::generic_category(),
                            "xlsx: cannot create a temporary file in " + tmpDir);
  }
  ::close(fd);
  m.path = tmpl;

  lxw_workbook_options options{};
  options.constant_memory = LXW_TRUE;
  options.tmpdir = m.tmpDir.data();
  m.workbook = workbook_new_opt(m.path.c_str(), &options);
  if (!m.workbook) throw std::bad_alloc();
  // libxlsxwriter would accept "" and produce a workbook Excel refuses to open.
  if (sheetName.empty()) throw std::invalid_argument("xlsx: sheet name: empty");
  if (const lxw_error err = workbook_validate_sheet_name(m.workbook, sheetName.c_str())) {
    throw std::invalid_argument(std::string("xlsx: sheet name: ") + lxw_strerror(err));
  }
  m.sheet = workbook_add_worksheet(m.workbook, sheetName.c_str());
  if (!m.sheet) {
    throw std::system_error(errno ? errno : EIO, std::generic_category(),
                            "xlsx: cannot create the worksheet scratch file in " + tmpDir);
  }
  m.bold = workbook_add_format(m.workbook);
  if (!m.bold) throw std::bad_alloc();
  format_set_bold(m.bold);
}

Writer::~Writer() = default;
Writer::Writer(Writer&&) noexcept = default;
Writer& Writer::operator=(Writer&&) noexcept = default;

void Writer::header(const std::vector<std::string>& titles) {
  Impl& m = *impl_;
  if (m.finished || m.nextRow != 0) throw std::logic_error("xlsx: header must come first");
  m.writeRow(titles, nullptr, m.bold);
  worksheet_freeze_panes(m.sheet, 1, 0);
  if (!titles.empty()) {
    check(worksheet_set_column(m.sheet, 0, static_cast<lxw_col_t>(titles.size() - 1), 16, nullptr));
  }
}

void Writer::row(const std::vector<std::string>& cells) {
  impl_->writeRow(cells, nullptr, nullptr);
}

void Writer::rowMixed(const std::vector<std::string>& cells, const std::vector<bool>& numeric) {
  impl_->writeRow(cells, &numeric, nullptr);
}

std::string Writer::finish() {
  Impl& m = *impl_;
  if (m.finished) throw std::logic_error("xlsx: writer already finished");
  m.finished = true;
  const lxw_error err = workbook_close(m.workbook);  // frees the workbook, success or not
  m.workbook = nullptr;
  m.sheet = nullptr;
  check(err);

  std::FILE* f = std::fopen(m.path.c_str(), "rb");
  if (!f) throw std::system_error(errno, std::generic_category(), "xlsx: cannot reopen output");
  std::string out;
  struct stat st {};
  if (::fstat(::fileno(f), &st) == 0) out.resize(static_cast<std::size_t>(st.st_size));
  const std::size_t got = std::fread(out.data(), 1, out.size(), f);
  const bool failed = std::ferror(f) != 0 || got != out.size();
  std::fclose(f);
  ::unlink(m.path.c_str());
  m.path.clear();
  if (failed) throw std::runtime_error("xlsx: cannot read back the output");
  return out;
}

std::string Writer::finishToFile() {
  Impl& m = *impl_;
  if (m.finished) throw std::logic_error("xlsx: writer already finished");
  m.finished = true;
  const lxw_error err = workbook_close(m.workbook);
  m.workbook = nullptr;
  m.sheet = nullptr;
  std::string path = std::move(m.path);
  m.path.clear();
  if (err != LXW_NO_ERROR) ::unlink(path.c_str());
  check(err);
  return path;
}

}  // namespace fy::xlsx
