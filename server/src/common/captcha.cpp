#include "common/captcha.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>
#include <vector>

namespace fy::captcha {
namespace {

void ensureSodium() {
  // sodium_init() is idempotent and thread-safe; the static just avoids repeated calls. Its
  // failure is not fatal here: randombytes_* initialise their own source lazily.
  static const int kInit = sodium_init();
  (void)kInit;
}

// Uniform integer in [lo, hi].
int rnd(int lo, int hi) {
  return lo + static_cast<int>(randombytes_uniform(static_cast<std::uint32_t>(hi - lo + 1)));
}

std::string num(int v) { return std::to_string(v); }

std::string rgb(int r, int g, int b) { return "rgb(" + num(r) + "," + num(g) + "," + num(b) + ")"; }

// Dark, saturated-enough colours for glyphs so they stay readable on the pale background.
std::string glyphColour() { return rgb(rnd(20, 130), rnd(20, 130), rnd(20, 130)); }

// Noise uses mid tones: close enough to glyph colours to confuse colour-based segmentation.
std::string noiseColour() { return rgb(rnd(60, 190), rnd(60, 190), rnd(60, 190)); }

std::string point(int x, int y) { return num(x) + " " + num(y); }

// A curve spanning most of the width, crossing glyphs so they cannot be cut apart by
// connected-component analysis.
std::string noiseCurve() {
  const int x0 = rnd(0, 20);
  const int x1 = rnd(kWidth - 20, kWidth);
  std::string d = "M" + point(x0, rnd(5, kHeight - 5));
  if (rnd(0, 1) == 0) {
    d += " Q" + point(rnd(30, 90), rnd(-10, kHeight + 10)) + " " + point(x1, rnd(5, kHeight - 5));
  } else {
    d += " C" + point(rnd(20, 60), rnd(-10, kHeight + 10)) + " " +
         point(rnd(60, 100), rnd(-10, kHeight + 10)) + " " + point(x1, rnd(5, kHeight - 5));
  }
  return "<path d=\"" + d + "\" stroke=\"" + noiseColour() + "\" stroke-width=\"" + num(rnd(1, 2)) +
         "\" fill=\"none\"/>";
}

std::string noiseLine() {
  return "<line x1=\"" + num(rnd(0, kWidth)) + "\" y1=\"" + num(rnd(0, kHeight)) + "\" x2=\"" +
         num(rnd(0, kWidth)) + "\" y2=\"" + num(rnd(0, kHeight)) + "\" stroke=\"" + noiseColour() +
         "\" stroke-width=\"1\"/>";
}

std::string noiseDot() {
  return "<circle cx=\"" + num(rnd(0, kWidth)) + "\" cy=\"" + num(rnd(0, kHeight)) + "\" r=\"" +
         num(rnd(1, 2)) + "\" fill=\"" + noiseColour() + "\"/>";
}

// `slotWidth` bounds the font size so long answers still leave glyphs mostly separate.
std::string glyph(char c, int slotCentreX, int slotWidth) {
  static constexpr std::array<const char*, 3> kFonts = {"serif", "sans-serif", "monospace"};
  const int maxSize = std::min(28, slotWidth + 6);
  const int size = rnd(std::max(12, maxSize - 8), maxSize);
  const int cx = slotCentreX + rnd(-3, 3);
  const int cy = kHeight / 2 + rnd(-4, 4);
  // Baseline placed by hand (cap height is roughly 0.7em) rather than via dominant-baseline,
  // which not every SVG renderer honours.
  const int baseline = cy + size * 35 / 100;
  return "<text x=\"" + num(cx) + "\" y=\"" + num(baseline) + "\" font-size=\"" + num(size) +
         "\" font-family=\"" + kFonts[randombytes_uniform(kFonts.size())] +
         "\" font-weight=\"bold\" text-anchor=\"middle\" fill=\"" + glyphColour() +
         "\" transform=\"rotate(" + num(rnd(-30, 30)) + " " + point(cx, cy) + ")\">" +
         std::string(1, c) + "</text>";
}

// Fisher-Yates with libsodium randomness so the document order of glyphs reveals nothing.
void shuffle(std::vector<std::string>& items) {
  for (std::size_t i = items.size(); i > 1; --i) {
    const std::size_t j = randombytes_uniform(static_cast<std::uint32_t>(i));
    std::swap(items[i - 1], items[j]);
  }
}

std::string_view trim(std::string_view s) {
  auto isSpace = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && isSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && isSpace(s.back())) s.remove_suffix(1);
  return s;
}

unsigned char upper(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (u >= 'a' && u <= 'z') ? static_cast<unsigned char>(u - 'a' + 'A') : u;
}

}  // namespace

Challenge generate(int length) {
  ensureSodium();
  length = std::clamp(length, 1, 6);

  Challenge ch;
  for (int i = 0; i < length; ++i) {
    ch.answer += kAlphabet[randombytes_uniform(static_cast<std::uint32_t>(kAlphabet.size()))];
  }

  const int margin = 10;
  const int slot = (kWidth - 2 * margin) / length;
  std::vector<std::string> glyphs;
  for (int i = 0; i < length; ++i) {
    glyphs.push_back(
        glyph(ch.answer[static_cast<std::size_t>(i)], margin + slot * i + slot / 2, slot));
  }
  shuffle(glyphs);

  std::string& svg = ch.svg;
  svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(kWidth) + "\" height=\"" +
        num(kHeight) + "\" viewBox=\"0 0 " + num(kWidth) + " " + num(kHeight) + "\">";
  svg += "<rect width=\"100%\" height=\"100%\" fill=\"" +
         rgb(rnd(225, 250), rnd(225, 250), rnd(225, 250)) + "\"/>";
  // Some noise behind the glyphs and some on top, so neither layer can be stripped wholesale.
  for (int i = 0, n = rnd(2, 3); i < n; ++i) svg += noiseLine();
  for (int i = 0, n = rnd(1, 2); i < n; ++i) svg += noiseCurve();
  for (const auto& g : glyphs) svg += g;
  for (int i = 0, n = rnd(2, 3); i < n; ++i) svg += noiseCurve();
  for (int i = 0, n = rnd(20, 30); i < n; ++i) svg += noiseDot();
  svg += "</svg>";
  return ch;
}

bool matches(std::string_view expected, std::string_view given) {
  expected = trim(expected);
  given = trim(given);
  // Length is not secret (the image shows it), so an early return on length is fine.
  if (expected.empty() || expected.size() != given.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < expected.size(); ++i)
    diff |= static_cast<unsigned char>(upper(expected[i]) ^ upper(given[i]));
  return diff == 0;
}

std::string toDataUrl(std::string_view svg) {
  ensureSodium();
  static constexpr std::string_view kPrefix = "data:image/svg+xml;base64,";
  constexpr int kVariant = sodium_base64_VARIANT_ORIGINAL;
  // sodium_base64_ENCODED_LEN includes the terminating NUL written by sodium_bin2base64.
  std::string b64(sodium_base64_ENCODED_LEN(svg.size(), kVariant), '\0');
  sodium_bin2base64(b64.data(), b64.size(), reinterpret_cast<const unsigned char*>(svg.data()),
                    svg.size(), kVariant);
  b64.pop_back();
  return std::string(kPrefix) + b64;
}

}  // namespace fy::captcha
