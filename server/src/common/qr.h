// QR codes for vouchers and check-in links, rendered as SVG (web pages) or PNG (downloads,
// print). Error correction level M, whole text in 8-bit byte mode: phone cameras read the bytes
// as UTF-8, so Chinese text works without an ECI header.
#pragma once

#include <cstddef>
#include <string>

namespace fy::qr {

// Bounds on the rendering parameters: a version 40 symbol at the largest module size is
// (177 + 2 * 16) * 32 = 6688 pixels square, still a reasonable PNG.
inline constexpr std::size_t kMaxTextBytes = 1000;
inline constexpr int kMaxModuleSize = 32;
inline constexpr int kMaxMargin = 16;

// A standalone <svg> document. The viewBox is in module units, "0 0 N N" with
// N = symbol width + 2 * margin; width and height are N * moduleSize pixels. A white
// background rect is followed by a single <path> covering every dark module.
//
// Throws std::invalid_argument when `text` is empty or longer than kMaxTextBytes bytes, or when
// moduleSize is outside 1..kMaxModuleSize or margin outside 0..kMaxMargin (the quiet zone should
// be 4 modules for reliable scanning; 0 is allowed for callers that add their own padding).
std::string svg(const std::string& text, int moduleSize = 8, int margin = 4);

// The same symbol as a 1-bit grayscale, non-interlaced PNG of N * moduleSize pixels square
// (dark modules are 0, light 1). Same exceptions as svg().
std::string png(const std::string& text, int moduleSize = 8, int margin = 4);

}  // namespace fy::qr
