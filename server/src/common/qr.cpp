#include "common/qr.h"

#include <png.h>
#include <qrencode.h>

#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>
#include <vector>

namespace fy::qr {
namespace {

struct QrFree {
  void operator()(QRcode* qr) const { QRcode_free(qr); }
};
using QrPtr = std::unique_ptr<QRcode, QrFree>;

QrPtr encode(const std::string& text, int moduleSize, int margin) {
  if (text.empty()) throw std::invalid_argument("qr: empty text");
  if (text.size() > kMaxTextBytes) throw std::invalid_argument("qr: text too long");
  if (moduleSize < 1 || moduleSize > kMaxModuleSize) {
    throw std::invalid_argument("qr: module size out of range");
  }
  if (margin < 0 || margin > kMaxMargin) throw std::invalid_argument("qr: margin out of range");
  // Version 0 lets libqrencode pick the smallest symbol that fits.
  QrPtr qr(QRcode_encodeData(static_cast<int>(text.size()),
                             reinterpret_cast<const unsigned char*>(text.data()), 0, QR_ECLEVEL_M));
  // 1000 bytes fit easily in a version 40-M symbol (2331 bytes), so this is allocation failure.
  if (!qr) throw std::bad_alloc();
  return qr;
}

bool dark(const QRcode& qr, int x, int y) { return (qr.data[y * qr.width + x] & 1) != 0; }

void appendPng(png_structp png, png_bytep data, png_size_t length) {
  auto* out = static_cast<std::string*>(png_get_io_ptr(png));
  bool ok = true;
  try {
    out->append(reinterpret_cast<const char*>(data), length);
  } catch (...) {
    ok = false;
  }
  // Called outside the catch block: longjmp out of a handler would leak the exception.
  if (!ok) png_error(png, "out of memory");
}

void flushPng(png_structp) {}

// libpng reports errors by longjmp back to here. Everything in this frame is trivially
// destructible, so the jump skips no destructors; the caller owns the buffers and libpng state.
bool writeImage(png_structp png, png_infop info, const QRcode& qr, int moduleSize, int margin,
                png_bytep row, std::size_t rowBytes) {
  if (setjmp(png_jmpbuf(png))) return false;
  const int modules = qr.width + 2 * margin;
  const auto pixels = static_cast<png_uint_32>(modules * moduleSize);
  png_set_IHDR(png, info, pixels, pixels, 1, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (int my = 0; my < modules; ++my) {
    std::memset(row, 0xFF, rowBytes);
    const int qy = my - margin;
    if (qy >= 0 && qy < qr.width) {
      for (int qx = 0; qx < qr.width; ++qx) {
        if (!dark(qr, qx, qy)) continue;
        const int x0 = (qx + margin) * moduleSize;
        for (int px = x0; px < x0 + moduleSize; ++px) {
          row[px >> 3] &= static_cast<png_byte>(~(0x80u >> (px & 7)));
        }
      }
    }
    // Each module row is moduleSize identical pixel rows.
    for (int k = 0; k < moduleSize; ++k) png_write_row(png, row);
  }
  png_write_end(png, info);
  return true;
}

}  // namespace

std::string svg(const std::string& text, int moduleSize, int margin) {
  const QrPtr qr = encode(text, moduleSize, margin);
  const std::string n = std::to_string(qr->width + 2 * margin);
  const std::string px = std::to_string((qr->width + 2 * margin) * moduleSize);

  // One closed rectangle per horizontal run of dark modules keeps the path short (a few KB for
  // typical URLs) while staying trivially correct.
  std::string d;
  for (int y = 0; y < qr->width; ++y) {
    for (int x = 0; x < qr->width;) {
      if (!dark(*qr, x, y)) {
        ++x;
        continue;
      }
      int end = x;
      while (end < qr->width && dark(*qr, end, y)) ++end;
      const std::string len = std::to_string(end - x);
      d += "M" + std::to_string(x + margin) + " " + std::to_string(y + margin) + "h" + len +
           "v1h-" + len + "z";
      x = end;
    }
  }

  // crispEdges stops anti-aliasing seams between adjacent runs, which can confuse scanners.
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + px + "\" height=\"" + px +
         "\" viewBox=\"0 0 " + n + " " + n + "\" shape-rendering=\"crispEdges\"><rect width=\"" +
         n + "\" height=\"" + n + "\" fill=\"#fff\"/><path fill=\"#000\" d=\"" + d + "\"/></svg>";
}

std::string png(const std::string& text, int moduleSize, int margin) {
  const QrPtr qr = encode(text, moduleSize, margin);
  const auto pixels = static_cast<std::size_t>((qr->width + 2 * margin) * moduleSize);
  std::vector<png_byte> row((pixels + 7) / 8);
  std::string out;

  png_structp pngPtr = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  if (!pngPtr) throw std::bad_alloc();
  png_infop info = png_create_info_struct(pngPtr);
  if (!info) {
    png_destroy_write_struct(&pngPtr, nullptr);
    throw std::bad_alloc();
  }
  png_set_write_fn(pngPtr, &out, appendPng, flushPng);
  const bool ok = writeImage(pngPtr, info, *qr, moduleSize, margin, row.data(), row.size());
  png_destroy_write_struct(&pngPtr, &info);
  if (!ok) throw std::runtime_error("qr: PNG encoding failed");
  return out;
}

}  // namespace fy::qr
