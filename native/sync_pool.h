// Threads that run `def` handlers. Starts with sync_pool_size threads and
// grows, one thread per waiting job, up to sync_pool_max; never shrinks, so a
// burst of blocking handlers does not pay thread start-up twice.
#pragma once
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "request_record.h"

namespace siphon {

class WorkerPool;

class SyncPool {
 public:
  SyncPool(WorkerPool& pool, int core, int max);
  ~SyncPool();
  void PushBatch(std::vector<std::unique_ptr<RequestRecord>>& records);  // JS thread
  void Stop();
  int threads() const;

 private:
  void SpawnLocked();
  void WorkerMain();

  WorkerPool& pool_;
  const int max_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::unique_ptr<RequestRecord>> queue_;
  std::vector<std::thread> workers_;
  int idle_ = 0;
  int spawning_ = 0;  // threads started but not yet waiting: about to be idle
  bool stopping_ = false;
};

// Runs one sync handler to completion on the calling thread. GIL held.
void RunSyncHandler(std::unique_ptr<RequestRecord> record);

}  // namespace siphon
