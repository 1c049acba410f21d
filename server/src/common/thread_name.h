#pragma once
// Names the calling thread (at most 15 characters), so that top -H, perf and the flash-crowd
// bench tell the writer, the readers and the HTTP threads apart.
#include <pthread.h>

namespace fy {

inline void nameThread(const char* name) { pthread_setname_np(pthread_self(), name); }

}  // namespace fy
