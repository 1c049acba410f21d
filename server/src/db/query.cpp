#include "db/query.h"

#include <algorithm>
#include <stdexcept>

namespace fy::db {

void Query::bindAll(soci::details::prepare_temp_type& p) {
  for (auto& b : binds_) {
    if (b.isText)
      p, soci::use(b.s, b.name);
    else
      p, soci::use(b.i, b.name);
  }
}

long long Query::scalar(soci::session& sql, const std::string& text) {
  long long n = 0;
  soci::details::prepare_temp_type p = (sql.prepare << text);
  p, soci::into(n);
  bindAll(p);
  soci::statement st(p);
  st.execute(true);
  return n;
}

long long Query::count(soci::session& sql) { return scalar(sql, "SELECT COUNT(*) " + from_); }

long long Query::countUpTo(soci::session& sql, long long cap) {
  return scalar(sql, "SELECT COUNT(*) FROM (SELECT 1 " + from_ + " LIMIT " + std::to_string(cap) +
                         ") capped");
}

soci::rowset<soci::row> Query::select(soci::session& sql, const std::string& columns,
                                      const std::string& orderBy, int64_t offset, int limit) {
  std::string q = "SELECT " + columns + " " + from_ + " " + orderBy + " LIMIT " +
                  std::to_string(limit) + " OFFSET " + std::to_string(offset);
  soci::details::prepare_temp_type p = (sql.prepare << q);
  bindAll(p);
  return soci::rowset<soci::row>(p);
}

bool Query::first(soci::session& sql, const std::string& columns, Row& out) {
  const std::string text = "SELECT " + columns + " " + from_ + " LIMIT 1";
  Prepared st(sql, text);
  std::vector<Value> values;
  for (const auto& name : st.names()) {
    auto b =
        std::find_if(binds_.begin(), binds_.end(), [&](const Bind& x) { return x.name == name; });
    if (b == binds_.end()) throw std::logic_error("query: nothing bound to :" + name);
    values.push_back(b->isText ? Value(std::string_view(b->s)) : Value(int64_t{b->i}));
  }
  auto rows = st.run(values);
  if (rows.empty()) return false;
  out = std::move(rows.front());
  return true;
}

bool isNull(const soci::row& r, size_t i) { return r.get_indicator(i) == soci::i_null; }

int64_t i64(const soci::row& r, size_t i) {
  if (isNull(r, i)) return 0;
  switch (r.get_properties(i).get_data_type()) {
    case soci::dt_integer:
      return r.get<int>(i);
    case soci::dt_long_long:
      return r.get<long long>(i);
    case soci::dt_unsigned_long_long:
      return static_cast<int64_t>(r.get<unsigned long long>(i));
    case soci::dt_double:
      return static_cast<int64_t>(r.get<double>(i));
    case soci::dt_string:
      return std::stoll(r.get<std::string>(i));
    default:
      return 0;
  }
}

std::string str(const soci::row& r, size_t i) {
  if (isNull(r, i)) return "";
  if (r.get_properties(i).get_data_type() == soci::dt_string) return r.get<std::string>(i);
  return std::to_string(i64(r, i));
}

}  // namespace fy::db
