#include <gtest/gtest.h>

#include "db/migrations.h"
#include "http/api.h"
#include "http/json_in.h"
#include "http/json_out.h"
#include "http/static_files.h"

namespace fy::http {

TEST(JsonIn, CollectsEveryFieldError) {
  auto j = nlohmann::json::parse(R"({"name":"","age":"x","n":5000,"ids":[1,-2],"flag":1})");
  JsonIn in(j);
  in.str("name");
  in.str("missing");
  in.integer("age", 0, 10);
  in.integer("n", 0, 100);
  in.ids("ids");
  in.boolean("flag");
  try {
    in.done();
    FAIL() << "expected a problem";
  } catch (const Problem& p) {
    EXPECT_EQ(p.status, 422);
    std::vector<std::string> fields;
    for (const auto& e : p.errors) fields.push_back(e.field + ":" + e.code);
    EXPECT_EQ(fields,
              (std::vector<std::string>{"name:too_short", "missing:required", "age:not_integer",
                                        "n:out_of_range", "ids:not_id", "flag:not_boolean"}));
  }
}

TEST(JsonIn, CountsCharactersNotBytesAndTrims) {
  auto j = nlohmann::json::parse(R"({"name":"  永红街道  ","long":"一二三四五六"})");
  JsonIn in(j);
  EXPECT_EQ(in.str("name", {.max = 4}), "永红街道");
  in.str("long", {.max = 5});
  EXPECT_FALSE(in.ok());
}

TEST(JsonOut, WritesWhatTheParserReadsBack) {
  // Every character a name or remark may bring: quotes, backslashes, controls, CJK.
  std::string awkward = "王\"小\\明\n\t\x01\x1f/é";
  JsonOut o;
  o.str("name", awkward).num("n", -42).num("some", std::optional<int64_t>(7));
  o.num("none", std::optional<int64_t>()).boolean("yes", true).boolean("no", false).null("z");
  o.str("edges", "\"both ends\\").optStr("by", std::string("站点")).optStr("nobody", std::nullopt);
  auto j = nlohmann::json::parse(o.take());
  EXPECT_EQ(j["name"], awkward);
  EXPECT_EQ(j["n"], -42);
  EXPECT_EQ(j["some"], 7);
  EXPECT_TRUE(j["none"].is_null());
  EXPECT_EQ(j["yes"], true);
  EXPECT_EQ(j["no"], false);
  EXPECT_TRUE(j["z"].is_null());
  EXPECT_EQ(j["edges"], "\"both ends\\");
  EXPECT_EQ(j["by"], "站点");
  EXPECT_TRUE(j["nobody"].is_null());
  EXPECT_EQ(j.size(), 10u);
  EXPECT_EQ(o.take(), "{}");  // the writer starts afresh
}

TEST(StaticFiles, RefusesTraversalAndFallsBackForSpaRoutes) {
  StaticFiles f("/nonexistent-root");
  EXPECT_FALSE(f.resolve("/../etc/passwd"));
  EXPECT_FALSE(f.resolve("/admin/..%2f..%2fetc"));
  EXPECT_EQ(StaticFiles::mimeOf("x/app.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(StaticFiles::mimeOf("a.svg"), "image/svg+xml");
  EXPECT_EQ(StaticFiles::mimeOf("a.unknown"), "application/octet-stream");
}

TEST(Routes, OpenApiPathForm) {
  EXPECT_EQ(openApiPath("/api/v1/iam/users/:id(\\d+)/roles"), "/api/v1/iam/users/{id}/roles");
  EXPECT_EQ(openApiPath("/api/v1/notify/templates/:code([a-z_]+)"),
            "/api/v1/notify/templates/{code}");
}

TEST(Problem, BodyIsRfc7807WithStableCode) {
  auto r = Response::problem(Problem::invalidField("name", "too_long", "at most 50"), "rid1");
  auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(r.contentType, "application/problem+json");
  EXPECT_EQ(j["code"], "validation_failed");
  EXPECT_EQ(j["errors"][0]["field"], "name");
  EXPECT_EQ(j["requestId"], "rid1");
  EXPECT_TRUE(j.contains("type") && j.contains("title") && j.contains("detail"));
}

TEST(Problem, CannedBodyEqualsTheRenderedOne) {
  fy::Problem p = fy::Problem::conflict("slot_full", "no places are left in this slot");
  fy::http::CannedProblem canned(p);
  for (std::string rid : {"abc-123", "Z9_x", ""}) {
    auto fresh = fy::http::Response::problem(p, "rid" + rid);
    auto fast = canned.answer("rid" + rid);
    EXPECT_EQ(fast.body, fresh.body);
    EXPECT_EQ(fast.status, 409);
    EXPECT_EQ(fast.contentType, fresh.contentType);
  }
}

TEST(Migrations, SplitsStatementsAtLineEndSemicolonsAndSkipsComments) {
  auto s = db::splitStatements(
      "-- note; here\nCREATE TABLE a (x TEXT DEFAULT ';');\nINSERT INTO a VALUES ('a;b');\n");
  ASSERT_EQ(s.size(), 2u);
  EXPECT_NE(s[0].find("DEFAULT ';'"), std::string::npos);
  EXPECT_NE(s[1].find("'a;b'"), std::string::npos);
}

TEST(Migrations, EmbeddedAndNumbered) {
  ASSERT_FALSE(db::embeddedMigrations().empty());
  EXPECT_GE(db::latestVersion(), 1);
}

}  // namespace fy::http
