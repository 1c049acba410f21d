#include "common/captcha.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <cctype>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace fy::captcha {
namespace {

// Characters inside <text>...</text>, in document order.
std::vector<std::string> textContents(const std::string& svg) {
  static const std::regex kText("<text[^>]*>([^<]*)</text>");
  std::vector<std::string> out;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), kText); it != std::sregex_iterator();
       ++it) {
    out.push_back((*it)[1].str());
  }
  return out;
}

TEST(Captcha, AnswersUseUnambiguousAlphabetAndLength) {
  std::set<char> seen;
  for (int i = 0; i < 200; ++i) {
    const auto ch = generate();
    ASSERT_EQ(ch.answer.size(), 4u);
    for (char c : ch.answer) {
      EXPECT_NE(kAlphabet.find(c), std::string_view::npos) << c;
      EXPECT_EQ(std::string_view("0O1IL").find(c), std::string_view::npos) << c;
      EXPECT_TRUE((c >= 'A' && c <= 'Z') || (c >= '2' && c <= '9')) << c;
      seen.insert(c);
    }
  }
  // 800 draws from 31 symbols: every symbol missing would be a broken generator.
  EXPECT_GT(seen.size(), 20u);
}

TEST(Captcha, LengthParameterAndClamping) {
  EXPECT_EQ(generate(6).answer.size(), 6u);
  EXPECT_EQ(generate(1).answer.size(), 1u);
  EXPECT_EQ(generate(0).answer.size(), 1u);
  EXPECT_EQ(generate(-5).answer.size(), 1u);
  EXPECT_EQ(generate(100).answer.size(), 6u);
}

TEST(Captcha, AnswersVary) {
  std::set<std::string> answers;
  for (int i = 0; i < 50; ++i) answers.insert(generate().answer);
  EXPECT_GT(answers.size(), 45u);  // 31^4 ~ 923k possibilities
}

TEST(Captcha, SvgShape) {
  for (int i = 0; i < 50; ++i) {
    const auto ch = generate(5);
    const std::string& svg = ch.svg;
    ASSERT_EQ(svg.rfind("<svg", 0), 0u);
    ASSERT_GE(svg.size(), 6u);
    EXPECT_EQ(svg.substr(svg.size() - 6), "</svg>");
    EXPECT_NE(svg.find("width=\"120\""), std::string::npos);
    EXPECT_NE(svg.find("height=\"40\""), std::string::npos);

    // One <text> per answer character, each holding exactly one character.
    auto texts = textContents(svg);
    ASSERT_EQ(texts.size(), ch.answer.size());
    std::multiset<char> drawn;
    for (const auto& t : texts) {
      ASSERT_EQ(t.size(), 1u);
      drawn.insert(t[0]);
    }
    EXPECT_EQ(drawn, std::multiset<char>(ch.answer.begin(), ch.answer.end()));

    EXPECT_EQ(svg.find(ch.answer), std::string::npos) << "answer appears verbatim";
    EXPECT_NE(svg.find("rotate("), std::string::npos);
    EXPECT_NE(svg.find("<path"), std::string::npos);
    EXPECT_NE(svg.find("<circle"), std::string::npos);

    // Balanced element count as a cheap well-formedness check.
    std::size_t opens = 0, closes = 0;
    for (std::size_t p = svg.find("<text"); p != std::string::npos; p = svg.find("<text", p + 1))
      ++opens;
    for (std::size_t p = svg.find("</text>"); p != std::string::npos;
         p = svg.find("</text>", p + 1))
      ++closes;
    EXPECT_EQ(opens, closes);
  }
}

TEST(Captcha, GlyphDocumentOrderIsShuffled) {
  // A shuffle keeps 6 glyphs in answer order with probability ~1/6! (a little more when
  // characters repeat); 20 images all doing so is practically impossible.
  bool anyShuffled = false;
  for (int i = 0; i < 20 && !anyShuffled; ++i) {
    const auto ch = generate(6);
    std::string order;
    for (const auto& t : textContents(ch.svg)) order += t;
    anyShuffled = order != ch.answer;
  }
  EXPECT_TRUE(anyShuffled);
}

TEST(Captcha, MatchesIsCaseInsensitiveAndTrims) {
  EXPECT_TRUE(matches("AB3K", "AB3K"));
  EXPECT_TRUE(matches("AB3K", "ab3k"));
  EXPECT_TRUE(matches("AB3K", "aB3K"));
  EXPECT_TRUE(matches("AB3K", "  ab3k \t\n"));
  EXPECT_TRUE(matches(" AB3K ", "AB3K"));
}

TEST(Captcha, MatchesRejectsMismatches) {
  EXPECT_FALSE(matches("AB3K", "AB3J"));
  EXPECT_FALSE(matches("AB3K", "AB3"));
  EXPECT_FALSE(matches("AB3K", "AB3KK"));
  EXPECT_FALSE(matches("AB3K", "A B3K"));
  EXPECT_FALSE(matches("AB3K", ""));
  EXPECT_FALSE(matches("", ""));
  EXPECT_FALSE(matches("  ", " "));
  EXPECT_FALSE(matches("AB3K", "AB3K\x01"));
}

TEST(Captcha, MatchesGeneratedAnswer) {
  const auto ch = generate();
  std::string lower = ch.answer;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  EXPECT_TRUE(matches(ch.answer, lower));
}

std::string decodeBase64(const std::string& b64) {
  std::string bin(b64.size(), '\0');
  size_t binLen = 0;
  const int rc =
      sodium_base642bin(reinterpret_cast<unsigned char*>(bin.data()), bin.size(), b64.data(),
                        b64.size(), nullptr, &binLen, nullptr, sodium_base64_VARIANT_ORIGINAL);
  EXPECT_EQ(rc, 0);
  bin.resize(binLen);
  return bin;
}

TEST(Captcha, DataUrlRoundTrips) {
  ASSERT_GE(sodium_init(), 0);
  const std::string prefix = "data:image/svg+xml;base64,";
  const auto ch = generate();
  const std::string url = toDataUrl(ch.svg);
  ASSERT_EQ(url.rfind(prefix, 0), 0u);
  EXPECT_EQ(url.find('\0'), std::string::npos);
  EXPECT_EQ(decodeBase64(url.substr(prefix.size())), ch.svg);

  // Padding cases: lengths 0..3 mod 3.
  EXPECT_EQ(toDataUrl(""), prefix);
  EXPECT_EQ(toDataUrl("a"), prefix + "YQ==");
  EXPECT_EQ(toDataUrl("ab"), prefix + "YWI=");
  EXPECT_EQ(toDataUrl("abc"), prefix + "YWJj");
  EXPECT_EQ(toDataUrl("<svg/>"), prefix + "PHN2Zy8+");
}

}  // namespace
}  // namespace fy::captcha
