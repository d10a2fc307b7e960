// Every thread siphon starts blocks all asynchronous signals, so SIGINT,
// SIGTERM and SIGHUP always reach Node's main thread (uwsgi does the same).
#pragma once
#include <pthread.h>
#include <signal.h>

namespace siphon {

inline void BlockAsyncSignalsInThisThread() {
  sigset_t set;
  sigfillset(&set);
  // Faults must still reach their default handlers on the faulting thread.
  sigdelset(&set, SIGSEGV);
  sigdelset(&set, SIGBUS);
  sigdelset(&set, SIGFPE);
  sigdelset(&set, SIGILL);
  sigdelset(&set, SIGABRT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

}  // namespace siphon
