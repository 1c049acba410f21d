// What the slot board remembers of a full slot's idempotency keys, and when it forgets them.
#include "modules/vaccination/board.h"

#include <gtest/gtest.h>

#include "common/temp_dir.h"
#include "db/database.h"

namespace fy::vax {
namespace {

using Seen = SlotBoard::KeySeen;

class SlotBoardKeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::make_unique<db::Database>(db::Config{dir_.sqliteUrl(), 0});
    board_ = std::make_unique<SlotBoard>(*db_, dir_.sqliteUrl());
  }
  // Marks slot 7 full under its current generation and returns that generation.
  uint64_t fill() {
    uint64_t g = board_->generation(7);
    board_->markFull(7, g);
    return g;
  }

  TempDir dir_{"fy-board"};  // first: removed after the board and the database
  std::unique_ptr<db::Database> db_;
  std::unique_ptr<SlotBoard> board_;
};

TEST_F(SlotBoardKeysTest, KeysReadOnceUnderTheFullMarkAnswerMembership) {
  uint64_t g = fill();
  EXPECT_EQ(board_->keySeen(7, 3), Seen::unknown);
  uint64_t claimed = 0;
  ASSERT_TRUE(board_->claimKeyRead(7, claimed));
  EXPECT_EQ(claimed, g);
  EXPECT_FALSE(board_->claimKeyRead(7, claimed)) << "one read per full mark";
  EXPECT_EQ(board_->keySeen(7, 3), Seen::unknown) << "still being read";
  board_->keysRead(7, g, {5, 1, 3});
  EXPECT_EQ(board_->keySeen(7, 3), Seen::maybe);
  EXPECT_EQ(board_->keySeen(7, 1), Seen::maybe);
  EXPECT_EQ(board_->keySeen(7, 4), Seen::absent);
  EXPECT_EQ(board_->keySeen(8, 4), Seen::unknown) << "another slot knows nothing";
  EXPECT_FALSE(board_->claimKeyRead(7, claimed)) << "already read";
}

TEST_F(SlotBoardKeysTest, AFailedReadGivesTheClaimBack) {
  uint64_t g = fill(), claimed = 0;
  ASSERT_TRUE(board_->claimKeyRead(7, claimed));
  board_->keysLost(7, g);
  EXPECT_EQ(board_->keySeen(7, 4), Seen::unknown);
  EXPECT_TRUE(board_->claimKeyRead(7, claimed)) << "the next request claims the read again";
}

TEST_F(SlotBoardKeysTest, FreedPlacesVoidTheKeysAndAReadThatStraddledThem) {
  uint64_t g = fill(), claimed = 0;
  ASSERT_TRUE(board_->claimKeyRead(7, claimed));
  board_->keysRead(7, g, {1});
  ASSERT_EQ(board_->keySeen(7, 2), Seen::absent);
  board_->bump(7);  // a cancel: the key that takes the freed place is not in the list
  EXPECT_EQ(board_->keySeen(7, 2), Seen::unknown);
  EXPECT_FALSE(board_->full(7));

  // Full again; a read claimed under this mark finishes after the next bump: dropped.
  uint64_t g2 = fill();
  ASSERT_NE(g2, g);
  EXPECT_EQ(board_->keySeen(7, 2), Seen::unknown) << "the old keys do not come back";
  ASSERT_TRUE(board_->claimKeyRead(7, claimed));
  board_->bump(7);
  board_->keysRead(7, g2, {1});
  fill();
  EXPECT_EQ(board_->keySeen(7, 2), Seen::unknown);

  board_->forgetAll();
  EXPECT_FALSE(board_->full(7));
  EXPECT_FALSE(board_->claimKeyRead(7, claimed)) << "nothing to read for a slot not known full";
}

}  // namespace
}  // namespace fy::vax
