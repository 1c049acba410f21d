#pragma once
#include <optional>
#include <string>

namespace fy::http {

struct StaticFile {
  std::string path;
  std::string contentType;
  std::string cacheControl;
};

// Maps a URL path to a file of the built web app: hashed assets are cached for a year,
// HTML never, and the single-page apps fall back to their index.html.
class StaticFiles {
 public:
  explicit StaticFiles(std::string root) : root_(std::move(root)) {}
  std::optional<StaticFile> resolve(const std::string& urlPath) const;
  static std::string mimeOf(const std::string& path);

 private:
  std::string root_;
};

}  // namespace fy::http
