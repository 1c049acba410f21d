#pragma once
#include <deque>
#include <optional>
#include <string>

#include "db/prepared.h"
#include "db/soci.h"

namespace fy::db {

// Builds a filtered list query from fixed SQL fragments and bound values only: user input
// never becomes SQL text (RuoYi's data-scope injections came from pasting fragments).
class Query {
 public:
  explicit Query(std::string fromWhere) : from_(std::move(fromWhere)) {}
  Query& where(const std::string& cond) {
    from_ += (from_.find(" WHERE ") == std::string::npos ? " WHERE " : " AND ") + cond;
    return *this;
  }
  Query& bind(const std::string& name, const std::string& v) {
    binds_.push_back({name, v, 0, true});
    return *this;
  }
  Query& bind(const std::string& name, int64_t v) {
    binds_.push_back({name, "", static_cast<long long>(v), false});
    return *this;
  }
  long long count(soci::session& sql);
  // Counts at most `cap` rows: an exact total where it is cheap, a bound where the filter
  // would otherwise walk millions of rows just to print "共 N 条".
  long long countUpTo(soci::session& sql, long long cap);
  soci::rowset<soci::row> select(soci::session& sql, const std::string& columns,
                                 const std::string& orderBy, int64_t offset, int limit);
  // The first row into `out`; false if there is none. For the look-ups of every booking batch:
  // a statement kept by the connection (db/prepared.h), run in one round trip.
  bool first(soci::session& sql, const std::string& columns, Row& out);

 private:
  struct Bind {
    std::string name;
    std::string s;
    long long i;
    bool isText;
  };
  void bindAll(soci::details::prepare_temp_type& p);
  long long scalar(soci::session& sql, const std::string& text);
  std::string from_;
  std::deque<Bind> binds_;
};

// Column readers that work whatever integer width each backend reports.
int64_t i64(const soci::row& r, size_t i);
std::string str(const soci::row& r, size_t i);  // "" for NULL
bool isNull(const soci::row& r, size_t i);

}  // namespace fy::db
