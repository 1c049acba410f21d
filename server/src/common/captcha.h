// Image captcha (SPEC X4): a short random code rendered as a noisy SVG.
//
// The SVG defeats naive OCR (per-glyph rotation, size, colour and offset plus crossing curves),
// but glyphs are still <text> elements, so a bot that parses the SVG can read them; the glyphs
// are emitted in shuffled document order to make that at least not free. Rate limiting and
// single-use answers (handled by the caller) remain the real defence.
#pragma once

#include <string>
#include <string_view>

namespace fy::captcha {

// Characters an answer is drawn from: uppercase, without the look-alikes 0/O/1/I/L.
inline constexpr std::string_view kAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
inline constexpr int kWidth = 120;
inline constexpr int kHeight = 40;

struct Challenge {
  std::string answer;  // uppercase, characters from kAlphabet
  std::string svg;     // standalone <svg> document, kWidth x kHeight
};

// `length` is clamped to 1..6: more glyphs would crowd the 120px image past legibility.
Challenge generate(int length = 4);

// Case-insensitive, ignores leading/trailing whitespace on both sides, and compares without an
// early exit on the first differing character. An empty expected answer never matches.
bool matches(std::string_view expected, std::string_view given);

// "data:image/svg+xml;base64,..." for embedding in an <img src>.
std::string toDataUrl(std::string_view svg);

}  // namespace fy::captcha
