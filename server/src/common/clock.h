#pragma once
#include <atomic>
#include <cstdint>

namespace fy {

// Every time-dependent rule reads time through this clock so that tests can move time
// (the server exposes a test-only route to shift it) instead of sleeping.
class Clock {
 public:
  static int64_t nowMs();
  static void setOffsetMs(int64_t offset);
  static int64_t offsetMs();

 private:
  static std::atomic<int64_t> offset_;
};

}  // namespace fy
