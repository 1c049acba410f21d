// Identity document numbers (SPEC X6): resident ID cards per GB 11643-1999, passports and other
// documents, plus the mainland mobile number and unified social credit code (GB 32100-2015)
// validators used by the registration forms.
//
// Everything here is pure and deterministic: "today" is passed in so callers (and tests) control
// the clock, and expected failures come back as values, never exceptions.
#pragma once

#include <compare>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace fy::idnum {

struct Date {
  int y, m, d;
  friend auto operator<=>(const Date&, const Date&) = default;
};

// True for a real Gregorian calendar date (leap years honoured). No range limit on the year.
bool isValidDate(const Date& date);

enum class DocType { ResidentId, Passport, Other };

// Wire names: "id_card" | "passport" | "other". Anything else (including different case) is
// rejected so the API never silently guesses a document type.
std::optional<DocType> docTypeFromString(std::string_view s);
std::string_view toString(DocType t);

struct Parsed {
  DocType type;
  std::string normalized;     // uppercase, trimmed (18-digit ID: last char may be 'X')
  std::optional<Date> birth;  // from the ID number only
  char sex = 'U';             // 'M' / 'F' from the 17th digit (odd = M); 'U' unknown
  std::string regionCode;     // first 6 digits for resident IDs
};

// Error codes returned in Error::code (stable; the HTTP layer forwards them to clients).
namespace errc {
inline constexpr std::string_view kEmpty = "empty";
inline constexpr std::string_view kInvalidLength = "invalid_length";
inline constexpr std::string_view kInvalidChars = "invalid_chars";
inline constexpr std::string_view kInvalidChecksum = "invalid_checksum";
inline constexpr std::string_view kInvalidBirthDate = "invalid_birth_date";
inline constexpr std::string_view kInvalidRegionCode = "invalid_region_code";
}  // namespace errc

struct Error {
  std::string code;     // one of errc::*
  std::string message;  // short English text naming what is wrong
};

// Validates and normalises a document number. Leading/trailing whitespace is ignored.
// Resident IDs must be 18 characters; legacy 15-digit IDs are rejected with invalid_length.
std::variant<Parsed, Error> parse(DocType type, std::string_view value, Date today);

// Completed years between birth and `on` (a 29 Feb birthday is reached on 1 Mar in common
// years). Negative if `on` precedes `birth`.
int ageOn(const Date& birth, const Date& on);

// "320402199001011234" -> "3204**********1234"; other lengths keep the first 2 and last 2
// characters; 4 characters or fewer become all stars.
std::string mask(std::string_view normalized);

// Last n characters (for short-code lookup). n is clamped to 4..6; shorter inputs are returned
// whole.
std::string lastDigits(std::string_view normalized, int n);

// Mainland mobile number: exactly ^1[3-9]\d{9}$ (no trimming, no +86 prefix).
bool isValidMobile(std::string_view phone);

// "13812345678" -> "138****5678"; other lengths keep the first 3 and last 2 characters when at
// least one character is left to hide, otherwise everything is starred.
std::string maskPhone(std::string_view phone);

// Unified social credit code (GB 32100-2015): 18 characters from 0-9A-HJ-NPQRTUWXY (uppercase,
// no trimming) with a valid mod-31 check character.
bool isValidCreditCode(std::string_view code);

}  // namespace fy::idnum
