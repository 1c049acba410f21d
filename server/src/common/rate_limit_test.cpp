#include "common/rate_limit.h"

#include <gtest/gtest.h>

namespace fy {

TEST(RateLimiter, AllowsTheBurstThenRefusesWithTheWaitUntilTheNextToken) {
  RateLimiter r(60, 3);  // one a second
  EXPECT_EQ(r.take("a", 0), 0);
  EXPECT_EQ(r.take("a", 0), 0);
  EXPECT_EQ(r.take("a", 0), 0);
  EXPECT_EQ(r.take("a", 0), 1);
  EXPECT_EQ(r.take("b", 0), 0) << "keys are limited separately";
  EXPECT_EQ(r.take("a", 999), 1);
  EXPECT_EQ(r.take("a", 1000), 0) << "a token a second comes back";
  EXPECT_EQ(r.take("a", 1000), 1);
}

TEST(RateLimiter, ReportsLongWaitsInWholeSeconds) {
  RateLimiter r(2, 1);  // one every 30 s
  EXPECT_EQ(r.take("k", 0), 0);
  EXPECT_EQ(r.take("k", 0), 30);
  EXPECT_EQ(r.take("k", 15000), 15);
}

TEST(RateLimiter, ZeroMeansNoLimit) {
  RateLimiter r(0, 1);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(r.take("a", 0), 0);
}

}  // namespace fy
