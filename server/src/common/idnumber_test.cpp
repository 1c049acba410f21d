#include "common/idnumber.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <string>

namespace fy::idnum {
namespace {

constexpr Date kToday{2024, 6, 15};

// Independent re-implementation of the GB 11643 check character so tests can build valid IDs
// for arbitrary dates; the literal samples below pin it to hand-verified values.
char checkChar(const std::string& first17) {
  constexpr std::array<int, 17> kW = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (int i = 0; i < 17; ++i)
    sum += (first17[static_cast<std::size_t>(i)] - '0') * kW[static_cast<std::size_t>(i)];
  return "10X98765432"[sum % 11];
}

std::string makeId(const std::string& region, int y, int m, int d, const std::string& seq3) {
  char date[16];
  std::snprintf(date, sizeof date, "%04d%02d%02d", y, m, d);
  std::string first17 = region + date + seq3;
  return first17 + checkChar(first17);
}

Parsed expectOk(DocType t, std::string_view v, Date today = kToday) {
  auto r = parse(t, v, today);
  if (auto* e = std::get_if<Error>(&r)) {
    ADD_FAILURE() << "unexpected error for '" << v << "': " << e->code << " " << e->message;
    return Parsed{t, {}, std::nullopt, 'U', {}};
  }
  return std::get<Parsed>(r);
}

std::string errCode(DocType t, std::string_view v, Date today = kToday) {
  auto r = parse(t, v, today);
  if (auto* e = std::get_if<Error>(&r)) {
    EXPECT_FALSE(e->message.empty());
    return e->code;
  }
  return "ok";
}

TEST(IdNumberDocType, RoundTripsWireNames) {
  for (auto t : {DocType::ResidentId, DocType::Passport, DocType::Other}) {
    EXPECT_EQ(docTypeFromString(toString(t)), t);
  }
  EXPECT_EQ(docTypeFromString("id_card"), DocType::ResidentId);
  EXPECT_FALSE(docTypeFromString("ID_CARD").has_value());
  EXPECT_FALSE(docTypeFromString("").has_value());
  EXPECT_FALSE(docTypeFromString("driver").has_value());
}

TEST(IdNumberResident, HandVerifiedLiteralSamples) {
  // Check characters computed by hand: weighted sums 167, 214, 252 -> mod 11 = 2, 5, 10.
  auto a = expectOk(DocType::ResidentId, "11010519491231002X");
  EXPECT_EQ(a.normalized, "11010519491231002X");
  ASSERT_TRUE(a.birth.has_value());
  EXPECT_EQ(*a.birth, (Date{1949, 12, 31}));
  EXPECT_EQ(a.sex, 'F');  // 17th digit 2
  EXPECT_EQ(a.regionCode, "110105");
  EXPECT_EQ(a.type, DocType::ResidentId);

  auto b = expectOk(DocType::ResidentId, "110101199003074477");
  EXPECT_EQ(*b.birth, (Date{1990, 3, 7}));
  EXPECT_EQ(b.sex, 'M');  // 17th digit 7

  auto c = expectOk(DocType::ResidentId, "440304200002295712");  // leap day 2000-02-29
  EXPECT_EQ(*c.birth, (Date{2000, 2, 29}));
  EXPECT_EQ(c.sex, 'M');
  EXPECT_EQ(c.regionCode, "440304");
}

TEST(IdNumberResident, WrongCheckDigitRejected) {
  EXPECT_EQ(errCode(DocType::ResidentId, "110105194912310021"), "invalid_checksum");
  EXPECT_EQ(errCode(DocType::ResidentId, "110101199003074478"), "invalid_checksum");
  // A single-digit typo in the sequence part is caught by the checksum.
  EXPECT_EQ(errCode(DocType::ResidentId, "110101199003074577"), "invalid_checksum");
}

TEST(IdNumberResident, LowercaseXAndWhitespaceNormalised) {
  auto p = expectOk(DocType::ResidentId, "  11010519491231002x\t");
  EXPECT_EQ(p.normalized, "11010519491231002X");
}

TEST(IdNumberResident, HelperBuildsValidIdsAcrossDates) {
  const std::array<Date, 6> dates = {Date{1900, 1, 1},  Date{1900, 12, 31},
                                     Date{1985, 6, 15}, Date{2000, 2, 29},
                                     Date{2016, 2, 29}, Date{2024, 6, 15} /* born today */};
  for (const auto& d : dates) {
    for (const char* seq : {"001", "002", "999", "010"}) {
      const std::string id = makeId("310115", d.y, d.m, d.d, seq);
      auto p = expectOk(DocType::ResidentId, id);
      ASSERT_TRUE(p.birth.has_value()) << id;
      EXPECT_EQ(*p.birth, d) << id;
      EXPECT_EQ(p.sex, ((seq[2] - '0') % 2 == 1) ? 'M' : 'F') << id;
    }
  }
}

TEST(IdNumberResident, SexFromSeventeenthDigit) {
  for (int digit = 0; digit <= 9; ++digit) {
    const std::string id = makeId("320402", 1990, 1, 1, "12" + std::to_string(digit));
    EXPECT_EQ(expectOk(DocType::ResidentId, id).sex, digit % 2 == 1 ? 'M' : 'F') << id;
  }
}

TEST(IdNumberResident, EmptyInput) {
  EXPECT_EQ(errCode(DocType::ResidentId, ""), "empty");
  EXPECT_EQ(errCode(DocType::ResidentId, "   \t "), "empty");
  EXPECT_EQ(errCode(DocType::Passport, " "), "empty");
  EXPECT_EQ(errCode(DocType::Other, ""), "empty");
}

TEST(IdNumberResident, LengthRules) {
  EXPECT_EQ(errCode(DocType::ResidentId, "110105491231002"), "invalid_length");  // old 15-digit
  EXPECT_EQ(errCode(DocType::ResidentId, "11010519491231002"), "invalid_length");
  EXPECT_EQ(errCode(DocType::ResidentId, "11010519491231002X1"), "invalid_length");
  // Inner spaces are not trimmed away.
  EXPECT_EQ(errCode(DocType::ResidentId, "110105 19491231002X"), "invalid_length");
  auto r = parse(DocType::ResidentId, "110105491231002", kToday);
  EXPECT_NE(std::get<Error>(r).message.find("18"), std::string::npos);
}

TEST(IdNumberResident, CharacterRules) {
  EXPECT_EQ(errCode(DocType::ResidentId, "1101051949123100XX"), "invalid_chars");
  EXPECT_EQ(errCode(DocType::ResidentId, "A10105194912310021"), "invalid_chars");
  EXPECT_EQ(errCode(DocType::ResidentId, "11010519491231002Y"), "invalid_chars");
  EXPECT_EQ(errCode(DocType::ResidentId, "11010519491231002-"), "invalid_chars");
}

TEST(IdNumberResident, BirthDateRules) {
  EXPECT_EQ(errCode(DocType::ResidentId, makeId("110105", 1900, 2, 29, "001")),
            "invalid_birth_date");
  EXPECT_EQ(errCode(DocType::ResidentId, makeId("110105", 2023, 2, 29, "001")),
            "invalid_birth_date");
  EXPECT_EQ(errCode(DocType::ResidentId, makeId("110105", 1990, 13, 1, "001")),
            "invalid_birth_date");
  EXPECT_EQ(errCode(DocType::ResidentId, makeId("110105", 1990, 0, 10, "001")),
            "invalid_birth_date");
  EXPECT_EQ(errCode(DocType::ResidentId, makeId("110105", 1990, 4, 31, "001")),
            "invalid_birth_date");
  EXPECT_EQ(errCode(DocType::ResidentId, makeId("110105", 1990, 4, 0, "001")),
            "invalid_birth_date");
  EXPECT_EQ(errCode(DocType::ResidentId, makeId("110105", 1899, 12, 31, "001")),
            "invalid_birth_date");
  // Future: one day after "today", and a far future year.
  EXPECT_EQ(errCode(DocType::ResidentId, makeId("110105", 2024, 6, 16, "001")),
            "invalid_birth_date");
  EXPECT_EQ(errCode(DocType::ResidentId, makeId("110105", 2090, 1, 1, "001")),
            "invalid_birth_date");
  // The same number becomes valid once "today" reaches the birth date.
  EXPECT_EQ(errCode(DocType::ResidentId, makeId("110105", 2024, 6, 16, "001"), Date{2024, 6, 16}),
            "ok");
}

TEST(IdNumberResident, RegionRules) {
  for (const char* bad :
       {"000000", "100101", "160101", "200101", "240101", "300101", "380101", "470101", "550101",
        "600101", "660101", "700101", "720101", "840101", "910101", "990101"}) {
    EXPECT_EQ(errCode(DocType::ResidentId, makeId(bad, 1990, 1, 1, "001")), "invalid_region_code")
        << bad;
  }
  for (const char* good :
       {"110101", "150101", "210101", "230101", "310101", "370101", "410101", "460101", "500101",
        "540101", "610101", "650101", "710000", "810000", "820000", "830000"}) {
    auto p = expectOk(DocType::ResidentId, makeId(good, 1990, 1, 1, "001"));
    EXPECT_EQ(p.regionCode, good);
  }
}

TEST(IdNumberPassport, Rules) {
  auto p = expectOk(DocType::Passport, "  e12345678 ");
  EXPECT_EQ(p.normalized, "E12345678");
  EXPECT_EQ(p.type, DocType::Passport);
  EXPECT_FALSE(p.birth.has_value());
  EXPECT_EQ(p.sex, 'U');
  EXPECT_TRUE(p.regionCode.empty());

  EXPECT_EQ(errCode(DocType::Passport, "G1234"), "ok");               // 5 chars
  EXPECT_EQ(errCode(DocType::Passport, std::string(20, 'A')), "ok");  // 20 chars
  EXPECT_EQ(errCode(DocType::Passport, "G123"), "invalid_length");
  EXPECT_EQ(errCode(DocType::Passport, std::string(21, 'A')), "invalid_length");
  EXPECT_EQ(errCode(DocType::Passport, "E1234-5678"), "invalid_chars");
  EXPECT_EQ(errCode(DocType::Passport, "E1234 5678"), "invalid_chars");
  EXPECT_EQ(errCode(DocType::Passport, "E12345\xE6\x96\x87"), "invalid_chars");
}

TEST(IdNumberOther, Rules) {
  auto p = expectOk(DocType::Other, "hk-a123456");
  EXPECT_EQ(p.normalized, "HK-A123456");
  EXPECT_EQ(p.type, DocType::Other);
  EXPECT_EQ(errCode(DocType::Other, "AB12"), "ok");
  EXPECT_EQ(errCode(DocType::Other, std::string(30, '9')), "ok");
  EXPECT_EQ(errCode(DocType::Other, "AB1"), "invalid_length");
  EXPECT_EQ(errCode(DocType::Other, std::string(31, '9')), "invalid_length");
  EXPECT_EQ(errCode(DocType::Other, "AB_123"), "invalid_chars");
  EXPECT_EQ(errCode(DocType::Other, "AB/123"), "invalid_chars");
}

TEST(IdNumberDates, IsValidDate) {
  EXPECT_TRUE(isValidDate({2000, 2, 29}));
  EXPECT_TRUE(isValidDate({2024, 2, 29}));
  EXPECT_FALSE(isValidDate({1900, 2, 29}));
  EXPECT_FALSE(isValidDate({2023, 2, 29}));
  EXPECT_TRUE(isValidDate({2023, 12, 31}));
  EXPECT_FALSE(isValidDate({2023, 11, 31}));
}

TEST(IdNumberDates, AgeOnBoundaries) {
  const Date birth{1990, 6, 15};
  EXPECT_EQ(ageOn(birth, {2024, 6, 14}), 33);  // day before birthday
  EXPECT_EQ(ageOn(birth, {2024, 6, 15}), 34);  // on birthday
  EXPECT_EQ(ageOn(birth, {2024, 6, 16}), 34);
  EXPECT_EQ(ageOn(birth, {2024, 5, 31}), 33);
  EXPECT_EQ(ageOn(birth, {1990, 6, 15}), 0);
  EXPECT_EQ(ageOn(birth, {1991, 6, 14}), 0);
  EXPECT_EQ(ageOn(birth, {1991, 6, 15}), 1);
  EXPECT_LT(ageOn(birth, {1990, 6, 14}), 0);

  const Date leap{2000, 2, 29};
  EXPECT_EQ(ageOn(leap, {2001, 2, 28}), 0);
  EXPECT_EQ(ageOn(leap, {2001, 3, 1}), 1);
  EXPECT_EQ(ageOn(leap, {2004, 2, 29}), 4);
}

TEST(IdNumberFormat, Mask) {
  EXPECT_EQ(mask("320402199001011234"), "3204**********1234");
  EXPECT_EQ(mask("11010519491231002X"), "1101**********002X");
  EXPECT_EQ(mask("E12345678"), "E1*****78");
  EXPECT_EQ(mask("G1234"), "G1*34");
  EXPECT_EQ(mask("AB12"), "****");
  EXPECT_EQ(mask("ABC"), "***");
  EXPECT_EQ(mask(""), "");
}

TEST(IdNumberFormat, LastDigits) {
  EXPECT_EQ(lastDigits("11010519491231002X", 4), "002X");
  EXPECT_EQ(lastDigits("11010519491231002X", 5), "1002X");
  EXPECT_EQ(lastDigits("11010519491231002X", 6), "31002X");
  EXPECT_EQ(lastDigits("11010519491231002X", 2), "002X");     // clamped up to 4
  EXPECT_EQ(lastDigits("11010519491231002X", 10), "31002X");  // clamped down to 6
  EXPECT_EQ(lastDigits("ABC", 4), "ABC");
}

TEST(IdNumberPhone, IsValidMobile) {
  EXPECT_TRUE(isValidMobile("13812345678"));
  EXPECT_TRUE(isValidMobile("19912345678"));
  EXPECT_FALSE(isValidMobile("12812345678"));
  EXPECT_FALSE(isValidMobile("10812345678"));
  EXPECT_FALSE(isValidMobile("23812345678"));
  EXPECT_FALSE(isValidMobile("1381234567"));
  EXPECT_FALSE(isValidMobile("138123456789"));
  EXPECT_FALSE(isValidMobile("1381234567a"));
  EXPECT_FALSE(isValidMobile(" 13812345678"));
  EXPECT_FALSE(isValidMobile(""));
}

TEST(IdNumberPhone, MaskPhone) {
  EXPECT_EQ(maskPhone("13812345678"), "138****5678");
  EXPECT_EQ(maskPhone("02512345678"), "025****5678");
  EXPECT_EQ(maskPhone("0251234567"), "025*****67");
  EXPECT_EQ(maskPhone("123456"), "123*56");
  EXPECT_EQ(maskPhone("12345"), "*****");
  EXPECT_EQ(maskPhone(""), "");
}

TEST(IdNumberCreditCode, Validation) {
  EXPECT_TRUE(isValidCreditCode("91350100M000100Y43"));
  EXPECT_TRUE(isValidCreditCode("91440300708461136T"));
  EXPECT_FALSE(isValidCreditCode("91350100M000100Y44"));  // wrong check char
  EXPECT_FALSE(isValidCreditCode("91350100M000200Y43"));  // corrupted body
  EXPECT_FALSE(isValidCreditCode("91350100M000100Y4"));   // too short
  EXPECT_FALSE(isValidCreditCode("91350100M000100Y433"));
  EXPECT_FALSE(isValidCreditCode("91350100I000100Y43"));  // I is outside the charset
  EXPECT_FALSE(isValidCreditCode("91350100m000100Y43"));  // lowercase not accepted
  EXPECT_FALSE(isValidCreditCode(""));
}

}  // namespace
}  // namespace fy::idnum
