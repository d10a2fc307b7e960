// Threads that run `def` code: whole requests whose chain is all `def`, and
// the `def` pieces of a chain that also has `async def` parts (python/siphon/
// _chain.py offloads them here so they never block an asyncio loop). Starts
// with sync_pool_size threads and grows, one thread per waiting job, up to
// sync_pool_max; never shrinks, so a burst of blocking handlers does not pay
// thread start-up twice.
#pragma once
#include <condition_variable>
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
  SyncPool(WorkerPool& pool, int core, int max);
  ~SyncPool();
  void PushBatch(std::vector<std::unique_ptr<RequestRecord>>& records);  // JS thread
  void PushCall(SyncJob&& job);  // an asyncio loop thread, GIL held
  void Stop();
  int threads() const;

 private:
  void GrowLocked();
  void SpawnLocked();
  void WorkerMain();
  void Run(SyncJob& job);

  WorkerPool& pool_;
  const int max_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<SyncJob> queue_;
  std::vector<std::thread> workers_;
  int idle_ = 0;
  int spawning_ = 0;  // threads started but not yet waiting: about to be idle
  bool stopping_ = false;
};

// Runs one sync handler to completion on the calling thread. GIL held.
void RunSyncHandler(std::unique_ptr<RequestRecord> record);

}  // namespace siphon
