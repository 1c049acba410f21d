#include "http/static_files.h"

#include <filesystem>
#include <map>

namespace fy::http {

namespace fs = std::filesystem;

std::string StaticFiles::mimeOf(const std::string& path) {
  static const std::map<std::string, std::string> types = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".ico", "image/x-icon"},
      {".webp", "image/webp"},
      {".woff", "font/woff"},
      {".woff2", "font/woff2"},
      {".ttf", "font/ttf"},
      {".txt", "text/plain; charset=utf-8"},
      {".map", "application/json"},
      {".webmanifest", "application/manifest+json"}};
  auto it = types.find(fs::path(path).extension().string());
  return it == types.end() ? "application/octet-stream" : it->second;
}

std::optional<StaticFile> StaticFiles::resolve(const std::string& urlPath) const {
  if (root_.empty() || urlPath.empty() || urlPath[0] != '/') return std::nullopt;
  if (urlPath.find("..") != std::string::npos || urlPath.find('\\') != std::string::npos ||
      urlPath.find('\0') != std::string::npos)
    return std::nullopt;
  fs::path p = fs::path(root_) / urlPath.substr(1);
  std::error_code ec;
  if (fs::is_directory(p, ec)) p /= "index.html";
  if (!fs::is_regular_file(p, ec)) {
    // Client-side routes of the single-page apps.
    for (const char* app : {"/admin/", "/m/"}) {
      if (urlPath.rfind(app, 0) == 0 && fs::path(urlPath).extension().empty()) {
        p = fs::path(root_) / (std::string(app + 1) + "index.html");
        break;
      }
    }
    if (!fs::is_regular_file(p, ec)) return std::nullopt;
  }
  bool hashed = urlPath.rfind("/assets/", 0) == 0;
  return StaticFile{p.string(), mimeOf(p.string()),
                    hashed ? "public, max-age=31536000, immutable" : "no-cache"};
}

}  // namespace fy::http
