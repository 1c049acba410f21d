#include "common/clock.h"

#include <chrono>

namespace fy {

std::atomic<int64_t> Clock::offset_{0};

int64_t Clock::nowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count() +
         offset_.load(std::memory_order_relaxed);
}

void Clock::setOffsetMs(int64_t offset) { offset_.store(offset); }
int64_t Clock::offsetMs() { return offset_.load(); }

}  // namespace fy
