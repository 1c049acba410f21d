#include "common/csv.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace fy::csv {
namespace {

using Cells = std::vector<std::string>;

TEST(Csv, PlainRecordsWithLfAndCrlf) {
  const auto rows = parse("name,phone\r\nZhang San,13812345678\nLi Si,13900000000\r\n");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].number, 1u);
  EXPECT_EQ(rows[0].cells, (Cells{"name", "phone"}));
  EXPECT_EQ(rows[1].number, 2u);
  EXPECT_EQ(rows[1].cells, (Cells{"Zhang San", "13812345678"}));
  EXPECT_EQ(rows[2].number, 3u);
  EXPECT_EQ(rows[2].cells, (Cells{"Li Si", "13900000000"}));
}

TEST(Csv, LastRecordWithoutLineBreak) {
  const auto rows = parse("a,b\nc,d");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].cells, (Cells{"c", "d"}));

  const auto trailingComma = parse("a,");
  ASSERT_EQ(trailingComma.size(), 1u);
  EXPECT_EQ(trailingComma[0].cells, (Cells{"a", ""}));
}

TEST(Csv, LoneCrEndsRecord) {
  const auto rows = parse("a\rb\r");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].number, 2u);
  EXPECT_EQ(rows[1].cells, (Cells{"b"}));
}

TEST(Csv, QuotedFieldsWithSeparatorsQuotesAndLineBreaks) {
  const auto rows = parse(
      "id,note,tail\r\n"
      "1,\"a, b\",x\r\n"
      "2,\"say \"\"hi\"\"\",y\r\n"
      "3,\"line1\r\nline2\nline3\",z\r\n"
      "4,\"\",\"\"\"\"\r\n");
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[1].cells, (Cells{"1", "a, b", "x"}));
  EXPECT_EQ(rows[2].cells, (Cells{"2", "say \"hi\"", "y"}));
  EXPECT_EQ(rows[3].cells, (Cells{"3", "line1\r\nline2\nline3", "z"}));
  EXPECT_EQ(rows[4].cells, (Cells{"4", "", "\""}));
  // A record spanning three physical lines is still one record.
  EXPECT_EQ(rows[4].number, 5u);
}

TEST(Csv, BomIsDroppedOnlyAtStart) {
  const auto rows = parse("\xEF\xBB\xBFname,age\n\xEF\xBB\xBFx,1\n");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].cells[0], "name");
  EXPECT_EQ(rows[1].cells[0], "\xEF\xBB\xBFx");
}

TEST(Csv, EmptyRecordsDroppedButCounted) {
  const auto rows = parse("h1,h2\n\n,\r\n\"\",\"\"\na,b\n\n");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].number, 1u);
  EXPECT_EQ(rows[1].number, 5u);
  EXPECT_EQ(rows[1].cells, (Cells{"a", "b"}));
}

TEST(Csv, WhitespaceIsKept) {
  const auto rows = parse(" a , b \n");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].cells, (Cells{" a ", " b "}));
}

TEST(Csv, LenientQuotes) {
  const auto rows = parse("ab\"c,\"x\"y\n");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].cells, (Cells{"ab\"c", "xy"}));
}

TEST(Csv, UnterminatedQuoteThrows) {
  EXPECT_THROW(parse("a,b\n\"open,c\nd,e\n"), std::runtime_error);
  EXPECT_THROW(parse("\""), std::runtime_error);
}

TEST(Csv, EmptyInput) {
  EXPECT_TRUE(parse("").empty());
  EXPECT_TRUE(parse("\xEF\xBB\xBF").empty());
  EXPECT_TRUE(parse("\n\r\n").empty());
}

TEST(Csv, Utf8PassesThrough) {
  const auto rows = parse("姓名,备注\n张三,\"北京,朝阳\"\n");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].cells, (Cells{"张三", "北京,朝阳"}));
}

TEST(Csv, LineQuotesOnlyWhenNeeded) {
  EXPECT_EQ(line({"a", "b c", ""}), "a,b c,\r\n");
  EXPECT_EQ(line({"a,b", "say \"hi\"", "x\ny", "x\ry"}),
            "\"a,b\",\"say \"\"hi\"\"\",\"x\ny\",\"x\ry\"\r\n");
  EXPECT_EQ(line({}), "\r\n");
  EXPECT_EQ(line({"320102199001011234", "张三"}), "320102199001011234,张三\r\n");
}

TEST(Csv, LineGuardsAgainstFormulaInjection) {
  EXPECT_EQ(line({"=1+1"}), "'=1+1\r\n");
  EXPECT_EQ(line({"+86"}), "'+86\r\n");
  EXPECT_EQ(line({"-5"}), "'-5\r\n");
  EXPECT_EQ(line({"@SUM(A1)"}), "'@SUM(A1)\r\n");
  EXPECT_EQ(line({"\tx"}), "'\tx\r\n");
  EXPECT_EQ(line({"\rx"}), "\"'\rx\"\r\n");
  EXPECT_EQ(line({"=HYPERLINK(\"http://x\",\"y\")"}),
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"\r\n");
  // Only the first character matters.
  EXPECT_EQ(line({"a=b", "1-2"}), "a=b,1-2\r\n");
}

TEST(Csv, LineParsesBack) {
  const Cells cells = {"plain", "with,comma", "with \"quotes\"", "multi\r\nline", "", "尾"};
  const auto rows = parse(line(cells) + line({"x"}));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].cells, cells);
  EXPECT_EQ(rows[1].number, 2u);
}

}  // namespace
}  // namespace fy::csv
