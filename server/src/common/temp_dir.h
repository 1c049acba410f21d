#pragma once
// For tests: a new directory under the system's temp directory, removed with all it holds.
#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

namespace fy {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "fy-test") {
    std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string sqliteUrl() const { return "sqlite:" + path_ + "/t.db"; }  // a database in it

 private:
  std::string path_;
};

}  // namespace fy
