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

// A bucket full again is forgotten (a fresh one is the same), so memory follows the refill
// time of one token, not of the whole bucket; a bucket still short is kept.
TEST(RateLimiter, ForgetsBucketsOnceTheyAreFullAgain) {
  RateLimiter r(10, 3);  // a token every 6 s
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(r.take("once-" + std::to_string(i), 0), 0);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(r.take("busy", 0), 0);
  EXPECT_EQ(r.keys(), 1001u);
  for (int i = 0; i < 16; ++i) r.take("tick-" + std::to_string(i), 5000);  // not refilled yet
  EXPECT_GE(r.keys(), 1001u);
  for (int i = 0; i < 256; ++i) r.take("tick-" + std::to_string(i), 6100);  // sweeps every shard
  EXPECT_EQ(r.keys(), 257u)
      << "the thousand single requests are forgotten; busy and the ticks stay";
  EXPECT_EQ(r.take("busy", 6100), 0) << "busy got one token back in 6 s";
  EXPECT_EQ(r.take("busy", 6100), 6) << "and is still short: its bucket was kept";
}

// The table grows as a crowd of new keys arrives within a second; every bucket keeps its own
// count through the growth.
TEST(RateLimiter, KeepsEveryBucketAsTheTableGrows) {
  RateLimiter r(10, 2);
  for (int i = 0; i < 50000; ++i) ASSERT_EQ(r.take("id-" + std::to_string(i), 10), 0);
  EXPECT_EQ(r.keys(), 50000u);
  for (int i = 0; i < 50000; i += 7) ASSERT_EQ(r.take("id-" + std::to_string(i), 20), 0);
  for (int i = 0; i < 50000; i += 7) ASSERT_GT(r.take("id-" + std::to_string(i), 30), 0) << i;
  EXPECT_EQ(r.take("id-1", 30), 0) << "a key taken once still has its second token";
  EXPECT_EQ(r.keys(), 50000u);
}

TEST(RateLimiter, ZeroMeansNoLimit) {
  RateLimiter r(0, 1);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(r.take("a", 0), 0);
}

}  // namespace fy
