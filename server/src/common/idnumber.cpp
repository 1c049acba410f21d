#include "common/idnumber.h"

#include <array>
#include <cstddef>
#include <utility>

namespace fy::idnum {
namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isUpperAlpha(char c) { return c >= 'A' && c <= 'Z'; }
bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

char toUpperAscii(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && isSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && isSpace(s.back())) s.remove_suffix(1);
  return s;
}

// Only ASCII is folded: document numbers are ASCII, and anything else is rejected afterwards.
std::string upperTrimmed(std::string_view s) {
  std::string out(trim(s));
  for (char& c : out) c = toUpperAscii(c);
  return out;
}

int digitsToInt(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

Error makeError(std::string_view code, std::string message) {
  return Error{std::string(code), std::move(message)};
}

bool isLeapYear(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int daysInMonth(int y, int m) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return (m == 2 && isLeapYear(y)) ? 29 : kDays[static_cast<std::size_t>(m - 1)];
}

// ISO 7064 MOD 11-2 as specified by GB 11643-1999.
char residentCheckChar(std::string_view first17) {
  static constexpr std::array<int, 17> kWeights = {7, 9, 10, 5,  8, 4, 2, 1, 6,
                                                   3, 7, 9,  10, 5, 8, 4, 2};
  static constexpr std::string_view kMap = "10X98765432";
  int sum = 0;
  for (std::size_t i = 0; i < kWeights.size(); ++i) sum += (first17[i] - '0') * kWeights[i];
  return kMap[static_cast<std::size_t>(sum % 11)];
}

bool isProvinceCode(int p) {
  return (p >= 11 && p <= 15) || (p >= 21 && p <= 23) || (p >= 31 && p <= 37) ||
         (p >= 41 && p <= 46) || (p >= 50 && p <= 54) || (p >= 61 && p <= 65) || p == 71 ||
         p == 81 || p == 82 || p == 83;
}

std::variant<Parsed, Error> parseResidentId(std::string id, const Date& today) {
  if (id.size() == 15) {
    return makeError(errc::kInvalidLength,
                     "resident ID must have 18 characters; 15-digit IDs are not accepted");
  }
  if (id.size() != 18) {
    return makeError(errc::kInvalidLength, "resident ID must have 18 characters");
  }
  for (std::size_t i = 0; i < 17; ++i) {
    if (!isDigit(id[i])) {
      return makeError(errc::kInvalidChars, "resident ID: first 17 characters must be digits");
    }
  }
  if (!isDigit(id[17]) && id[17] != 'X') {
    return makeError(errc::kInvalidChars, "resident ID: last character must be a digit or X");
  }

  const std::string_view view = id;
  // Structural checks come before the checksum so a typo in a meaningful field gets a more
  // specific message than "checksum".
  if (!isProvinceCode(digitsToInt(view.substr(0, 2)))) {
    return makeError(errc::kInvalidRegionCode, "resident ID: unknown province code");
  }

  const Date birth{digitsToInt(view.substr(6, 4)), digitsToInt(view.substr(10, 2)),
                   digitsToInt(view.substr(12, 2))};
  if (!isValidDate(birth)) {
    return makeError(errc::kInvalidBirthDate, "resident ID: birth date is not a calendar date");
  }
  if (birth.y < 1900) {
    return makeError(errc::kInvalidBirthDate, "resident ID: birth year is before 1900");
  }
  if (birth > today) {
    return makeError(errc::kInvalidBirthDate, "resident ID: birth date is in the future");
  }

  if (residentCheckChar(view.substr(0, 17)) != id[17]) {
    return makeError(errc::kInvalidChecksum, "resident ID: check digit does not match");
  }

  Parsed p{DocType::ResidentId,
           {},
           birth,
           ((id[16] - '0') % 2 == 1) ? 'M' : 'F',
           std::string(view.substr(0, 6))};
  p.normalized = std::move(id);
  return p;
}

std::variant<Parsed, Error> parseFreeForm(DocType type, std::string value, std::size_t minLen,
                                          std::size_t maxLen, bool allowHyphen) {
  const char* what = type == DocType::Passport ? "passport number" : "document number";
  if (value.size() < minLen || value.size() > maxLen) {
    return makeError(errc::kInvalidLength, std::string(what) + " must have " +
                                               std::to_string(minLen) + " to " +
                                               std::to_string(maxLen) + " characters");
  }
  for (char c : value) {
    if (!isDigit(c) && !isUpperAlpha(c) && !(allowHyphen && c == '-')) {
      return makeError(
          errc::kInvalidChars,
          std::string(what) + (allowHyphen ? " may only contain letters, digits and hyphens"
                                           : " may only contain letters and digits"));
    }
  }
  Parsed p{type, std::move(value), std::nullopt, 'U', {}};
  return p;
}

}  // namespace

bool isValidDate(const Date& date) {
  if (date.m < 1 || date.m > 12 || date.d < 1) return false;
  return date.d <= daysInMonth(date.y, date.m);
}

std::optional<DocType> docTypeFromString(std::string_view s) {
  if (s == "id_card") return DocType::ResidentId;
  if (s == "passport") return DocType::Passport;
  if (s == "other") return DocType::Other;
  return std::nullopt;
}

std::string_view toString(DocType t) {
  switch (t) {
    case DocType::ResidentId:
      return "id_card";
    case DocType::Passport:
      return "passport";
    case DocType::Other:
      return "other";
  }
  return "other";
}

std::variant<Parsed, Error> parse(DocType type, std::string_view value, Date today) {
  std::string normalized = upperTrimmed(value);
  if (normalized.empty()) return makeError(errc::kEmpty, "document number is empty");
  switch (type) {
    case DocType::ResidentId:
      return parseResidentId(std::move(normalized), today);
    case DocType::Passport:
      return parseFreeForm(type, std::move(normalized), 5, 20, /*allowHyphen=*/false);
    case DocType::Other:
      return parseFreeForm(type, std::move(normalized), 4, 30, /*allowHyphen=*/true);
  }
  return makeError(errc::kInvalidChars, "unknown document type");
}

int ageOn(const Date& birth, const Date& on) {
  int years = on.y - birth.y;
  // Month/day comparison makes a 29 Feb birthday count from 1 Mar in common years.
  if (on.m < birth.m || (on.m == birth.m && on.d < birth.d)) --years;
  return years;
}

std::string mask(std::string_view normalized) {
  const std::size_t n = normalized.size();
  if (n <= 4) return std::string(n, '*');
  const std::size_t keep = (n == 18) ? 4 : 2;
  return std::string(normalized.substr(0, keep)) + std::string(n - 2 * keep, '*') +
         std::string(normalized.substr(n - keep));
}

std::string lastDigits(std::string_view normalized, int n) {
  const std::size_t want = static_cast<std::size_t>(n < 4 ? 4 : (n > 6 ? 6 : n));
  if (normalized.size() <= want) return std::string(normalized);
  return std::string(normalized.substr(normalized.size() - want));
}

bool isValidMobile(std::string_view phone) {
  if (phone.size() != 11 || phone[0] != '1' || phone[1] < '3' || phone[1] > '9') return false;
  for (char c : phone) {
    if (!isDigit(c)) return false;
  }
  return true;
}

std::string maskPhone(std::string_view phone) {
  const std::size_t n = phone.size();
  if (n == 11) return std::string(phone.substr(0, 3)) + "****" + std::string(phone.substr(7));
  if (n <= 5) return std::string(n, '*');
  return std::string(phone.substr(0, 3)) + std::string(n - 5, '*') +
         std::string(phone.substr(n - 2));
}

bool isValidCreditCode(std::string_view code) {
  // Index in this alphabet is the character's numeric value (I, O, Z, S, V are never used).
  static constexpr std::string_view kAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  static constexpr std::array<int, 17> kWeights = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                                                   29, 25, 13, 8,  24, 10, 30, 28};
  if (code.size() != 18) return false;
  int sum = 0;
  for (std::size_t i = 0; i < 18; ++i) {
    const std::size_t v = kAlphabet.find(code[i]);
    if (v == std::string_view::npos) return false;
    if (i < 17) sum += static_cast<int>(v) * kWeights[i];
  }
  const int check = (31 - sum % 31) % 31;
  return code[17] == kAlphabet[static_cast<std::size_t>(check)];
}

}  // namespace fy::idnum
