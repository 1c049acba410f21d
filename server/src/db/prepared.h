#pragma once
// Statements prepared once per connection and kept, for those every booking batch runs: SOCI
// prepares each statement again at every run, and SQLite spent longer parsing a batch's
// statements (and PostgreSQL planning them) than running them.
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace soci {
class session;
}

namespace fy::db {

// A bound value. Text is borrowed, not copied (a batch's rows are bound straight from its
// bookings): what a string_view points at must outlive the run. monostate = NULL.
using Value = std::variant<std::monostate, int64_t, std::string_view>;

// A result row, as text (SQLite and PostgreSQL both give every value as text).
struct Row {
  std::vector<std::optional<std::string>> cells;
};
int64_t i64(const Row& r, size_t i);      // 0 for NULL
std::string str(const Row& r, size_t i);  // "" for NULL
bool isNull(const Row& r, size_t i);

// The statement `text` of this connection, prepared at its first use. Parameters are written
// `:name`, as for SOCI; values are given in the order the names first appear in the text.
// (SQLite also takes plain "?", numbered in order.)
class Prepared {
 public:
  Prepared(soci::session& sql, const std::string& text);
  ~Prepared();
  std::vector<Row> run(std::span<const Value> values);
  std::vector<Row> run(std::initializer_list<Value> values) {
    return run(std::span<const Value>(values.begin(), values.size()));
  }
  // The text's parameter names (":name", without the colon) in order of first appearance.
  const std::vector<std::string>& names() const;

  struct Cached;

 private:
  soci::session& sql_;
  std::unique_ptr<Cached> owned_;  // when the connection keeps too many to keep this one
  Cached* st_ = nullptr;
};

// How many statements this process has prepared through Prepared: kept ones count once.
int64_t statementsPrepared();

// Drops the statements kept for this connection; SQLite will not close a connection while
// any of its statements is alive. Called by Session's deleter.
void forgetStatements(soci::session& sql);

}  // namespace fy::db
