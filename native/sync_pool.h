// Threads that run `def` code: whole requests whose chain is all `def`, and
// the `def` pieces of a chain that also has `async def` parts (python/siphon/
// _chain.py offloads them here so they never block an asyncio loop). Starts
// with sync_pool_size threads and grows, one thread per waiting job, up to
// sync_pool_max; never shrinks, so a burst of blocking handlers does not pay
// thread start-up twice.
#pragma once
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <ctime>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "py_ref.h"
#include "request_record.h"

namespace siphon {

class WorkerPool;

// One job: a request to run from start to end, or a `def` piece of an async
// chain whose result goes back to the awaiting loop.
struct SyncJob {
  std::unique_ptr<RequestRecord> request;
  PyRef call;    // callable, run as call(*args)
  PyRef args;    // tuple
  PyRef settle;  // siphon._worker.settle_from_thread bound to the waiting loop and future
};

class SyncPool {
 public:
  // `parallel`: jobs that run at once without waiting on each other (1 with
  // a GIL; the CPU count on a free-threaded build).
  SyncPool(WorkerPool& pool, int core, int max, int parallel);
  ~SyncPool();
  void PushBatch(std::vector<std::unique_ptr<RequestRecord>>& records);  // JS thread
  void PushCall(SyncJob&& job);  // an asyncio loop thread, GIL held
  void Stop();
  int threads() const;

 private:
  enum class Role { kIdle, kRunner, kSpare };
  // How long a spare waits for the queue to move before it runs too.
  static constexpr std::chrono::milliseconds kSpareWait{1};
  // How long a runner between jobs lets a waiting asyncio loop go first.
  static constexpr std::chrono::microseconds kLoopTurn{2000};

  void WakeLocked();
  void Signal(Role role);
  void SpawnLocked(Role role);
  void WorkerMain(Role role);
  int64_t RunnersCpuNs() const;  // CPU time the runners used so far, mutex_ held
  void Run(SyncJob& job);

  WorkerPool& pool_;
  const int max_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<SyncJob> queue_;
  std::vector<std::thread> workers_;
  const int max_runners_;
  std::condition_variable spare_wake_;
  std::deque<Role> roles_;  // handed to the idle threads woken
  int idle_ = 0;            // waiting for a role
  int runners_ = 0;         // taking jobs
  int waking_runners_ = 0;  // given the runner role, not yet running
  int spares_ = 0;          // watching the queue, or on the way to
  uint64_t taken_ = 0;      // jobs taken off the queue, ever: the spare's sign of progress
  std::vector<clockid_t> runner_clocks_;  // the runners' CPU clocks
  bool stopping_ = false;
};

// Runs one sync handler to completion on the calling thread. GIL held.
void RunSyncHandler(std::unique_ptr<RequestRecord> record);

}  // namespace siphon
