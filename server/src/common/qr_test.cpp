#include "common/qr.h"

#include <gtest/gtest.h>
#include <png.h>
#include <qrencode.h>

#include <cstdint>
#include <regex>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace fy::qr {
namespace {

// Reference symbol straight from libqrencode, to check both renderings module by module.
std::vector<std::vector<bool>> reference(const std::string& text) {
  QRcode* qr =
      QRcode_encodeData(static_cast<int>(text.size()),
                        reinterpret_cast<const unsigned char*>(text.data()), 0, QR_ECLEVEL_M);
  EXPECT_NE(qr, nullptr);
  std::vector<std::vector<bool>> m(static_cast<std::size_t>(qr->width),
                                   std::vector<bool>(static_cast<std::size_t>(qr->width)));
  for (int y = 0; y < qr->width; ++y)
    for (int x = 0; x < qr->width; ++x)
      m[static_cast<std::size_t>(y)][static_cast<std::size_t>(x)] =
          (qr->data[y * qr->width + x] & 1) != 0;
  QRcode_free(qr);
  return m;
}

std::uint32_t be32(const std::string& s, std::size_t at) {
  return (static_cast<std::uint32_t>(static_cast<unsigned char>(s[at])) << 24) |
         (static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 1])) << 16) |
         (static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 2])) << 8) |
         static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 3]));
}

struct Decoded {
  std::uint32_t width = 0, height = 0;
  std::vector<png_byte> gray;  // 8-bit, one byte per pixel
};

Decoded decodePng(const std::string& bytes) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  Decoded out;
  if (!png_image_begin_read_from_memory(&image, bytes.data(), bytes.size())) {
    ADD_FAILURE() << "libpng cannot read the image: " << image.message;
    return out;
  }
  image.format = PNG_FORMAT_GRAY;
  out.width = image.width;
  out.height = image.height;
  out.gray.resize(PNG_IMAGE_SIZE(image));
  if (!png_image_finish_read(&image, nullptr, out.gray.data(), 0, nullptr)) {
    ADD_FAILURE() << "libpng cannot decode the image: " << image.message;
  }
  png_image_free(&image);
  return out;
}

TEST(Qr, PngHeaderAndSize) {
  const std::string text = "https://fangyi.example/checkin?t=abc123";
  const auto ref = reference(text);
  const auto bytes = png(text, 5, 3);
  ASSERT_GT(bytes.size(), 33u);
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_EQ(bytes.substr(12, 4), "IHDR");
  const auto expected = static_cast<std::uint32_t>((ref.size() + 2 * 3) * 5);
  EXPECT_EQ(be32(bytes, 16), expected);  // width
  EXPECT_EQ(be32(bytes, 20), expected);  // height
  EXPECT_EQ(bytes[24], 1);               // bit depth
  EXPECT_EQ(bytes[25], 0);               // colour type: grayscale
  EXPECT_EQ(bytes.substr(bytes.size() - 8, 4), "IEND");
}

TEST(Qr, PngPixelsMatchSymbol) {
  const std::string text = "疫苗接种凭证 320102199001011234";
  const int ms = 3;
  const int margin = 4;
  const auto ref = reference(text);
  const auto img = decodePng(png(text, ms, margin));
  const auto n = ref.size() + 2 * margin;
  ASSERT_EQ(img.width, n * ms);
  ASSERT_EQ(img.height, n * ms);
  for (std::size_t py = 0; py < img.height; ++py) {
    for (std::size_t px = 0; px < img.width; ++px) {
      const auto mx = static_cast<long>(px / ms) - margin;
      const auto my = static_cast<long>(py / ms) - margin;
      const long w = static_cast<long>(ref.size());
      const bool isDark = mx >= 0 && my >= 0 && mx < w && my < w &&
                          ref[static_cast<std::size_t>(my)][static_cast<std::size_t>(mx)];
      ASSERT_EQ(img.gray[py * img.width + px], isDark ? 0 : 255) << "pixel " << px << "," << py;
    }
  }
}

TEST(Qr, SvgViewBoxAndSize) {
  const std::string text = "hello";
  const auto ref = reference(text);
  const auto s = svg(text, 10, 2);
  const auto n = std::to_string(ref.size() + 4);
  const auto px = std::to_string((ref.size() + 4) * 10);
  EXPECT_EQ(s.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
  EXPECT_NE(s.find("viewBox=\"0 0 " + n + " " + n + "\""), std::string::npos) << s;
  EXPECT_NE(s.find("width=\"" + px + "\" height=\"" + px + "\""), std::string::npos);
  EXPECT_NE(s.find("<rect width=\"" + n + "\" height=\"" + n + "\" fill=\"#fff\"/>"),
            std::string::npos);
  EXPECT_EQ(s.find("<path"), s.rfind("<path"));  // exactly one path
  EXPECT_EQ(s.substr(s.size() - 6), "</svg>");
}

TEST(Qr, SvgPathCoversExactlyTheDarkModules) {
  const std::string text = "https://fangyi.example/v/0123456789abcdef";
  const int margin = 4;
  const auto ref = reference(text);
  const auto s = svg(text, 8, margin);
  std::smatch d;
  ASSERT_TRUE(std::regex_search(s, d, std::regex("<path fill=\"#000\" d=\"([^\"]*)\"/>")));
  const std::string path = d[1].str();
  const auto n = ref.size() + 2 * margin;
  std::vector<std::vector<int>> painted(n, std::vector<int>(n, 0));
  const std::regex run("M(\\d+) (\\d+)h(\\d+)v1h-(\\d+)z");
  std::size_t consumed = 0;
  for (auto it = std::sregex_iterator(path.begin(), path.end(), run); it != std::sregex_iterator();
       ++it) {
    ASSERT_EQ(static_cast<std::size_t>(it->position()), consumed) << "unexpected path syntax";
    consumed += static_cast<std::size_t>(it->length());
    const auto x = std::stoul((*it)[1]), y = std::stoul((*it)[2]), len = std::stoul((*it)[3]);
    ASSERT_EQ((*it)[3], (*it)[4]);
    for (auto i = x; i < x + len; ++i) ++painted.at(y).at(i);
  }
  EXPECT_EQ(consumed, path.size());
  for (std::size_t y = 0; y < n; ++y) {
    for (std::size_t x = 0; x < n; ++x) {
      const bool inSymbol = x >= margin && y >= margin && x < n - margin && y < n - margin;
      const int want = inSymbol && ref[y - margin][x - margin] ? 1 : 0;
      ASSERT_EQ(painted[y][x], want) << x << "," << y;
    }
  }
}

TEST(Qr, DifferentTextsDiffer) {
  std::set<std::string> svgs, pngs;
  for (const char* t : {"a", "b", "https://x/1", "https://x/2"}) {
    svgs.insert(svg(t));
    pngs.insert(png(t));
  }
  EXPECT_EQ(svgs.size(), 4u);
  EXPECT_EQ(pngs.size(), 4u);
  EXPECT_EQ(svg("same"), svg("same"));
  EXPECT_EQ(png("same"), png("same"));
}

TEST(Qr, LongestTextGrowsTheSymbol) {
  const std::string big(kMaxTextBytes, 'x');
  const auto small = reference("x").size();
  const auto large = reference(big).size();
  EXPECT_GT(large, small);
  const auto img = decodePng(png(big, 1, 0));
  EXPECT_EQ(img.width, large);
}

TEST(Qr, RejectsBadArguments) {
  EXPECT_THROW(svg(""), std::invalid_argument);
  EXPECT_THROW(png(""), std::invalid_argument);
  EXPECT_THROW(svg(std::string(kMaxTextBytes + 1, 'x')), std::invalid_argument);
  EXPECT_THROW(png(std::string(kMaxTextBytes + 1, 'x')), std::invalid_argument);
  EXPECT_THROW(png("x", 0), std::invalid_argument);
  EXPECT_THROW(svg("x", kMaxModuleSize + 1), std::invalid_argument);
  EXPECT_THROW(png("x", 4, -1), std::invalid_argument);
  EXPECT_THROW(svg("x", 4, kMaxMargin + 1), std::invalid_argument);
  EXPECT_NO_THROW(png("x", kMaxModuleSize, kMaxMargin));
  EXPECT_NO_THROW(svg("x", 1, 0));
}

}  // namespace
}  // namespace fy::qr
