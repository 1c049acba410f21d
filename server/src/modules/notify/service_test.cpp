#include "modules/notify/service.h"

#include <gtest/gtest.h>

namespace fy::notify {
namespace {

TEST(SmsRender, ReplacesKnownPlaceholdersOnceAndLeavesTheRest) {
  const std::map<std::string, std::string> vars{{"name", "{code}张三"}, {"code", "123"}};
  EXPECT_EQ(render("【防疫平台】{name}，预约码{code}。", vars),
            "【防疫平台】{code}张三，预约码123。");
  EXPECT_EQ(render("{code}{code}", vars), "123123");
  EXPECT_EQ(render("{unknown} {code} {", vars), "{unknown} 123 {");
  EXPECT_EQ(render("{{code}}", vars), "{123}");
  EXPECT_EQ(render("no placeholders", vars), "no placeholders");
  EXPECT_EQ(render("", vars), "");
}

}  // namespace
}  // namespace fy::notify
