// The eventfd wake-ups between threads: a producer adds one, the consumer
// reads the count back to zero. Retried on EINTR; EAGAIN on write means the
// counter is already non-zero, so the consumer wakes anyway.
#pragma once
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

namespace siphon {

inline int NewEventFd() { return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK); }

inline void WakeEventFd(int fd) {
  uint64_t one = 1;
  while (write(fd, &one, sizeof(one)) < 0 && errno == EINTR) {
  }
}

inline void ResetEventFd(int fd) {
  uint64_t count;
  while (read(fd, &count, sizeof(count)) < 0 && errno == EINTR) {
  }
}

}  // namespace siphon
