#include "common/xlsx.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <minizip/unzip.h>
#include <minizip/zip.h>
#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "common/temp_dir.h"

namespace fy::xlsx {
namespace {

using Cells = std::vector<std::string>;
using Entries = std::vector<std::pair<std::string, std::string>>;

std::size_t fileCount(const TempDir& dir) {
  return static_cast<std::size_t>(std::distance(std::filesystem::directory_iterator(dir.path()),
                                                std::filesystem::directory_iterator()));
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A zip archive in memory, built with minizip through a temporary file.
std::string makeZip(const Entries& entries) {
  TempDir dir("fy-xlsx-test");
  const std::string path = dir.path() + "/t.zip";
  zipFile z = zipOpen64(path.c_str(), APPEND_STATUS_CREATE);
  EXPECT_NE(z, nullptr);
  for (const auto& [name, data] : entries) {
    EXPECT_EQ(zipOpenNewFileInZip64(z, name.c_str(), nullptr, nullptr, 0, nullptr, 0, nullptr,
                                    Z_DEFLATED, Z_DEFAULT_COMPRESSION, 0),
              ZIP_OK);
    EXPECT_EQ(zipWriteInFileInZip(z, data.data(), static_cast<unsigned>(data.size())), ZIP_OK);
    EXPECT_EQ(zipCloseFileInZip(z), ZIP_OK);
  }
  EXPECT_EQ(zipClose(z, nullptr), ZIP_OK);
  return readFile(path);
}

// One part of an archive held in memory (via a temporary file: the test should not depend on
// the reader under test).
std::string zipEntry(const std::string& zipBytes, const std::string& name) {
  TempDir dir("fy-xlsx-test");
  const std::string path = dir.path() + "/t.zip";
  std::ofstream(path, std::ios::binary) << zipBytes;
  unzFile z = unzOpen64(path.c_str());
  EXPECT_NE(z, nullptr);
  std::string out;
  if (unzLocateFile(z, name.c_str(), 1) == UNZ_OK && unzOpenCurrentFile(z) == UNZ_OK) {
    char buf[4096];
    int n;
    while ((n = unzReadCurrentFile(z, buf, sizeof buf)) > 0)
      out.append(buf, static_cast<size_t>(n));
    unzCloseCurrentFile(z);
  } else {
    ADD_FAILURE() << "no " << name;
  }
  unzClose(z);
  return out;
}

constexpr const char* kMainNs = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
constexpr const char* kRelNs =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

std::string worksheet(const std::string& rows) {
  return std::string(
             "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<worksheet "
             "xmlns=\"") +
         kMainNs + "\" xmlns:r=\"" + kRelNs + "\"><sheetData>" + rows + "</sheetData></worksheet>";
}

// A hand-made workbook in the layout Excel writes; `extra` adds or replaces parts.
std::string handMadeXlsx(const std::string& sheetRows, const Entries& extra = {},
                         const std::string& workbookPr = "") {
  Entries parts = {
      {"[Content_Types].xml",
       "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types "
       "xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>"},
      {"_rels/.rels",
       "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships "
       "xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship "
       "Id=\"rId1\" "
       "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
       "officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>"},
      {"xl/workbook.xml",
       std::string("<?xml version=\"1.0\" encoding=\"UTF-8\"?><workbook xmlns=\"") + kMainNs +
           "\" xmlns:r=\"" + kRelNs + "\">" + workbookPr +
           "<sheets><sheet name=\"Sheet1\" sheetId=\"1\" "
           "r:id=\"rId1\"/></sheets></workbook>"},
      {"xl/_rels/workbook.xml.rels",
       "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships "
       "xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
       "<Relationship Id=\"rId1\" "
       "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" "
       "Target=\"worksheets/sheet1.xml\"/>"
       "<Relationship Id=\"rId2\" "
       "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
       "sharedStrings\" Target=\"sharedStrings.xml\"/>"
       "<Relationship Id=\"rId3\" "
       "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" "
       "Target=\"styles.xml\"/></Relationships>"},
      {"xl/worksheets/sheet1.xml", worksheet(sheetRows)},
  };
  for (const auto& [name, data] : extra) {
    bool replaced = false;
    for (auto& p : parts) {
      if (p.first == name) {
        p.second = data;
        replaced = true;
      }
    }
    if (!replaced) parts.emplace_back(name, data);
  }
  return makeZip(parts);
}

std::string sharedStrings(const std::string& items) {
  return std::string("<?xml version=\"1.0\" encoding=\"UTF-8\"?><sst xmlns=\"") + kMainNs + "\">" +
         items + "</sst>";
}

TEST(Xlsx, WriterRoundTrip) {
  TempDir dir("fy-xlsx-test");
  const Cells header = {"姓名", "身份证号", "备注", "剂次"};
  const std::vector<Cells> rows = {
      {"张三", "320102199001011234", "=1+1", "1"},
      {"", "", "", ""},
      {"李四", "11010519491231002X", "@home", "-5"},
      {"王五", "", "+86 138 0000 0000", "  spaced  "},
      {"x", "line1\nline2", "tab\tinside", "<&>\"'"},
      {"a_x0041_b",
       "ctl\x01"
       "char",
       "_x_x0041__"},
  };
  Writer w(dir.path(), "接种记录");
  w.header(header);
  for (const auto& r : rows) w.row(r);
  const std::string bytes = w.finish();
  EXPECT_EQ(bytes.substr(0, 2), "PK");
  EXPECT_EQ(fileCount(dir), 0u) << "temporary files left behind";

  const auto back = readFirstSheet(bytes);
  ASSERT_EQ(back.size(), 6u);
  EXPECT_EQ(back[0].number, 1u);
  EXPECT_EQ(back[0].cells, header);
  EXPECT_EQ(back[1].number, 2u);
  EXPECT_EQ(back[1].cells, (Cells{"张三", "320102199001011234", "'=1+1", "1"}));
  EXPECT_EQ(back[2].number, 4u);  // the empty row 3 is dropped but keeps its number
  EXPECT_EQ(back[2].cells, (Cells{"李四", "11010519491231002X", "'@home", "'-5"}));
  EXPECT_EQ(back[3].cells, (Cells{"王五", "", "'+86 138 0000 0000", "  spaced  "}));
  EXPECT_EQ(back[4].cells, (Cells{"x", "line1\nline2", "tab\tinside", "<&>\"'"}));
  EXPECT_EQ(back[5].number, 7u);
  EXPECT_EQ(back[5].cells, (Cells{"a_x0041_b",
                                  "ctl\x01"
                                  "char",
                                  "_x_x0041__"}));

  // The header styling lives in the sheet XML: frozen first row, widened columns, and every
  // data cell is a string (an ID written as a number would lose digits in Excel).
  const std::string xml = zipEntry(bytes, "xl/worksheets/sheet1.xml");
  EXPECT_NE(xml.find("ySplit=\"1\""), std::string::npos);
  EXPECT_NE(xml.find("<col min=\"1\" max=\"4\" width=\"16"), std::string::npos);
  EXPECT_NE(xml.find("t=\"inlineStr\"><is><t>320102199001011234</t>"), std::string::npos);
  EXPECT_NE(zipEntry(bytes, "xl/workbook.xml").find("name=\"接种记录\""), std::string::npos);
}

TEST(Xlsx, WriterMixedNumbers) {
  TempDir dir("fy-xlsx-test");
  Writer w(dir.path(), "Stats");
  w.header({"region", "doses", "rate", "note", "big"});
  w.rowMixed({"Xuanwu", "1200", "0.875", "n/a", "1e20"}, {false, true, true, true, true});
  w.rowMixed({"Qinhuai", "-3", "", "7"}, {false, true, true});  // shorter flags: text
  const std::string bytes = w.finish();

  const auto back = readFirstSheet(bytes);
  ASSERT_EQ(back.size(), 3u);
  EXPECT_EQ(back[1].cells, (Cells{"Xuanwu", "1200", "0.875", "n/a", "100000000000000000000"}));
  EXPECT_EQ(back[2].cells, (Cells{"Qinhuai", "-3", "", "7"}));

  const std::string xml = zipEntry(bytes, "xl/worksheets/sheet1.xml");
  EXPECT_NE(xml.find("<c r=\"B2\"><v>1200</v></c>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<c r=\"C2\"><v>0.875</v></c>"), std::string::npos);
  EXPECT_NE(xml.find("<c r=\"D2\" t=\"inlineStr\"><is><t>n/a</t>"), std::string::npos);
  EXPECT_NE(xml.find("<c r=\"B3\"><v>-3</v></c>"), std::string::npos);
  // Not flagged numeric, so a string, without the apostrophe guard a number never gets.
  EXPECT_NE(xml.find("<c r=\"D3\" t=\"inlineStr\"><is><t>7</t>"), std::string::npos);
}

TEST(Xlsx, WriterTruncatesOverlongCellsOnCharacterBoundary) {
  TempDir dir("fy-xlsx-test");
  std::string longText;
  for (int i = 0; i < 12000; ++i) longText += "疫";  // 36000 bytes
  Writer w(dir.path(), "S");
  w.row({longText});
  const auto back = readFirstSheet(w.finish());
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].cells[0].size(), 32766u);  // 10922 whole characters
  EXPECT_EQ(longText.compare(0, 32766, back[0].cells[0]), 0);
}

TEST(Xlsx, WriterErrorsAndCleanup) {
  TempDir dir("fy-xlsx-test");
  EXPECT_THROW(Writer(dir.path(), "bad:name"), std::invalid_argument);
  EXPECT_THROW(Writer(dir.path(), ""), std::invalid_argument);
  EXPECT_THROW(Writer(dir.path(), std::string(32, 'x')), std::invalid_argument);
  EXPECT_THROW(Writer(dir.path() + "/missing", "S"), std::system_error);
  EXPECT_EQ(fileCount(dir), 0u);

  {
    Writer w(dir.path(), "S");
    w.row({"a"});
    EXPECT_THROW(w.header({"late"}), std::logic_error);
    w.finish();
    EXPECT_THROW(w.finish(), std::logic_error);
    EXPECT_THROW(w.row({"b"}), std::logic_error);
  }

  // Abandoned without finish(): no file in tmpDir, no descriptor left open.
  const auto fds = [] {
    return std::distance(std::filesystem::directory_iterator("/proc/self/fd"),
                         std::filesystem::directory_iterator());
  };
  const auto before = fds();
  {
    Writer w(dir.path(), "S");
    w.header({"a", "b"});
    for (int i = 0; i < 5000; ++i) w.row({"x", std::to_string(i)});
    EXPECT_GE(fileCount(dir), 1u);
  }
  EXPECT_EQ(fileCount(dir), 0u);
  EXPECT_EQ(fds(), before);

  Writer moved(dir.path(), "S");
  moved.row({"m"});
  Writer target = std::move(moved);
  EXPECT_EQ(readFirstSheet(target.finish())[0].cells, (Cells{"m"}));
}

TEST(Xlsx, NumericIdDigitsSurvive) {
  const auto rows = readFirstSheet(
      handMadeXlsx("<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>name</t></is></c>"
                   "<c r=\"B1\" t=\"inlineStr\"><is><t>id</t></is></c></row>"
                   "<row r=\"2\"><c r=\"A2\" t=\"inlineStr\"><is><t>张三</t></is></c>"
                   "<c r=\"B2\"><v>320102199001011234</v></c></row>"));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].number, 2u);
  EXPECT_EQ(rows[1].cells, (Cells{"张三", "320102199001011234"}));
}

TEST(Xlsx, CellTypesAndPlacement) {
  const std::string sst = sharedStrings(
      "<si><t>plain</t></si>"
      "<si><r><rPr><b/></rPr><t>rich </t></r><r><t xml:space=\"preserve\">text </t></r>"
      "<rPh sb=\"0\" eb=\"1\"><t>phonetic</t></rPh></si>"
      "<si><t>line_x000D_break_x005F_x0041_</t></si>"
      "<si><t/></si>");
  const auto rows = readFirstSheet(handMadeXlsx(
      "<row r=\"2\" spans=\"1:9\">"
      "<c r=\"B2\" t=\"s\"><v>0</v></c>"
      "<c r=\"D2\" t=\"s\"><v>1</v></c>"
      "<c r=\"E2\" t=\"s\"><v>2</v></c>"
      "<c r=\"F2\" t=\"b\"><v>1</v></c>"
      "<c r=\"G2\" t=\"b\"><v>0</v></c>"
      "<c r=\"H2\" t=\"e\"><v>#N/A</v></c>"
      "<c r=\"I2\" t=\"str\"><f>A1&amp;\"x\"</f><v>computed</v></c>"
      "<c r=\"J2\" s=\"0\"/>"
      "<c r=\"K2\" t=\"s\"><v>3</v></c>"
      "</row>"
      "<row r=\"3\"><c r=\"A3\" s=\"0\"/><c r=\"B3\" t=\"s\"><v>3</v></c></row>"
      "<row r=\"5\"><c r=\"A5\"><v>7.0</v></c><c r=\"B5\"><v>12.50</v></c>"
      "<c r=\"C5\"><v>1.5E+3</v></c><c r=\"D5\"><v>1E-3</v></c><c r=\"E5\"><v>-0.0</v></c>"
      "<c r=\"F5\"><v>3.2010219900101101E+17</v></c><c r=\"G5\"><f>1+1</f><v>2</v></c></row>"
      "<row><c><v>1</v></c><c><v>2</v></c><c r=\"E6\"><v>5</v></c><c><v>6</v></c></row>",
      {{"xl/sharedStrings.xml", sst}}));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].number, 2u);
  EXPECT_EQ(rows[0].cells, (Cells{"", "plain", "", "rich text ", "line\rbreak_x0041_", "TRUE",
                                  "FALSE", "#N/A", "computed"}));
  EXPECT_EQ(rows[1].number, 5u);  // row 3 holds nothing but empty cells
  EXPECT_EQ(rows[1].cells, (Cells{"7", "12.5", "1500", "0.001", "0", "320102199001011010", "2"}));
  EXPECT_EQ(rows[2].number, 6u);  // no r: the row after the previous one
  EXPECT_EQ(rows[2].cells, (Cells{"1", "2", "", "", "5", "6"}));
}

TEST(Xlsx, DatesFromNumberFormats) {
  const std::string styles =
      std::string("<?xml version=\"1.0\" encoding=\"UTF-8\"?><styleSheet xmlns=\"") + kMainNs +
      "\"><numFmts count=\"3\"><numFmt numFmtId=\"176\" formatCode=\"yyyy&quot;年&quot;m&quot;月"
      "&quot;d&quot;日&quot;\"/><numFmt numFmtId=\"177\" formatCode=\"0.00_);[Red](0.00)\"/>"
      "<numFmt numFmtId=\"178\" formatCode=\"[h]:mm\"/></numFmts>"
      "<cellStyleXfs count=\"1\"><xf numFmtId=\"14\"/></cellStyleXfs>"
      "<cellXfs count=\"7\"><xf numFmtId=\"0\"/><xf numFmtId=\"14\"/><xf numFmtId=\"176\"/>"
      "<xf numFmtId=\"22\"/><xf numFmtId=\"49\"/><xf numFmtId=\"177\"/><xf numFmtId=\"178\"/>"
      "</cellXfs></styleSheet>";
  const auto rows = readFirstSheet(handMadeXlsx(
      "<row r=\"1\"><c r=\"A1\" s=\"1\"><v>32874</v></c><c r=\"B1\" s=\"2\"><v>45292</v></c>"
      "<c r=\"C1\" s=\"3\"><v>45292.5</v></c><c r=\"D1\" s=\"4\"><v>45292</v></c>"
      "<c r=\"E1\" s=\"5\"><v>1.50</v></c><c r=\"F1\" s=\"6\"><v>0.25</v></c>"
      "<c r=\"G1\" s=\"0\"><v>45292</v></c><c r=\"H1\" s=\"99\"><v>45292</v></c></row>"
      "<row r=\"2\"><c r=\"A2\" s=\"1\"><v>1</v></c><c r=\"B2\" s=\"1\"><v>59</v></c>"
      "<c r=\"C2\" s=\"1\"><v>60</v></c><c r=\"D2\" s=\"1\"><v>61</v></c>"
      "<c r=\"E2\" s=\"3\"><v>45292.999999999</v></c><c r=\"F2\" s=\"1\"><v>-1</v></c></row>",
      {{"xl/styles.xml", styles}}));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].cells, (Cells{"1990-01-01", "2024-01-01", "2024-01-01 12:00:00", "45292", "1.5",
                                  "06:00:00", "45292", "45292"}));
  EXPECT_EQ(rows[1].cells,
            (Cells{"1900-01-01", "1900-02-28", "1900-02-29", "1900-03-01", "2024-01-02", "-1"}));

  const auto r1904 = readFirstSheet(handMadeXlsx(
      "<row r=\"1\"><c r=\"A1\" s=\"1\"><v>0</v></c><c r=\"B1\" s=\"1\"><v>1</v></c></row>",
      {{"xl/styles.xml", styles}}, "<workbookPr date1904=\"1\"/>"));
  ASSERT_EQ(r1904.size(), 1u);
  EXPECT_EQ(r1904[0].cells, (Cells{"1904-01-01", "1904-01-02"}));
}

TEST(Xlsx, FirstTabNotFirstFileAndPrefixedElements) {
  // The first tab points at sheet2.xml, written with an "x:" namespace prefix.
  const std::string workbook =
      std::string("<?xml version=\"1.0\"?><x:workbook xmlns:x=\"") + kMainNs + "\" xmlns:r=\"" +
      kRelNs +
      "\"><x:sheets><x:sheet name=\"Data\" sheetId=\"2\" r:id=\"rId9\"/>"
      "<x:sheet name=\"Other\" sheetId=\"1\" r:id=\"rId1\"/></x:sheets></x:workbook>";
  const std::string rels =
      "<?xml version=\"1.0\"?><Relationships "
      "xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
      "<Relationship Id=\"rId1\" "
      "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" "
      "Target=\"/xl/worksheets/sheet1.xml\"/>"
      "<Relationship Id=\"rId9\" "
      "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" "
      "Target=\"./worksheets/../worksheets/sheet2.xml\"/></Relationships>";
  const std::string sheet2 =
      std::string("<?xml version=\"1.0\"?><x:worksheet xmlns:x=\"") + kMainNs +
      "\"><x:sheetData><x:row r=\"3\"><x:c r=\"C3\" t=\"inlineStr\"><x:is><x:t>from sheet2</x:t>"
      "</x:is></x:c></x:row></x:sheetData></x:worksheet>";
  const auto rows = readFirstSheet(
      handMadeXlsx("<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>from sheet1</t></is></c></row>",
                   {{"xl/workbook.xml", workbook},
                    {"xl/_rels/workbook.xml.rels", rels},
                    {"xl/worksheets/sheet2.xml", sheet2}}));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].number, 3u);
  EXPECT_EQ(rows[0].cells, (Cells{"", "", "from sheet2"}));
}

TEST(Xlsx, MalformedInputThrows) {
  const auto message = [](const std::string& bytes) {
    try {
      readFirstSheet(bytes);
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("no exception");
  };
  EXPECT_EQ(message(""), "not an xlsx file");
  EXPECT_EQ(message("name,phone\r\nZhang,138\r\n"), "not an xlsx file");
  EXPECT_EQ(message(std::string("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) + std::string(600, '\0')),
            "not an xlsx file");  // legacy .xls
  EXPECT_EQ(message(makeZip({{"word/document.xml", "<w/>"}})), "not an xlsx file");

  const std::string good = handMadeXlsx("<row r=\"1\"><c r=\"A1\"><v>1</v></c></row>");
  ASSERT_EQ(message(good), "no exception");
  EXPECT_NE(message(good.substr(0, good.size() / 2)), "no exception");

  const auto malformed = [&](const std::string& rows, const Entries& extra = {}) {
    const std::string m = message(handMadeXlsx(rows, extra));
    EXPECT_EQ(m.rfind("malformed xlsx: ", 0), 0u) << m;
  };
  malformed("<row r=\"1\"><c r=\"A1\"><v>1</v></row>");  // mismatched tag
  malformed("<row r=\"1\"><c r=\"A1\" t=\"s\"><v>5</v></c></row>",
            {{"xl/sharedStrings.xml", sharedStrings("<si><t>only</t></si>")}});
  malformed("<row r=\"1\"><c r=\"A1\" t=\"s\"><v>x</v></c></row>");
  malformed("<row r=\"1\"><c r=\"XFE1\"><v>1</v></c></row>");
  malformed("<row r=\"1\"><c r=\"1A\"><v>1</v></c></row>");
  malformed("<row r=\"0\"><c r=\"A1\"><v>1</v></c></row>");
  malformed("<row r=\"abc\"><c r=\"A1\"><v>1</v></c></row>");
}

}  // namespace
}  // namespace fy::xlsx
