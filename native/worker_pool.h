// Accepts request records from the JS thread and hands them to the worker
// that runs their handler: the elastic sync pool for `def` handlers, one of
// the asyncio loop threads for `async def` ones. Owns the bounded queue
// (executor_queue_capacity) and the counters behind siphon_pyexec_*.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "request_record.h"

struct uv_loop_s;
struct uv_prepare_s;

namespace siphon {

class SyncPool;
class AsyncLoop;
struct SyncJob;

struct PoolSettings {
  int sync_pool_size = 8;
  int sync_pool_max = 32;
  int async_pool_size = 1;
  int sync_parallel = 1;  // sync jobs run at once: 1 with a GIL, the CPUs without
  int queue_capacity = 1024;
};

struct WorkerStats {
  int64_t queued = 0;        // accepted, not yet started by a worker
  int64_t inflight = 0;      // started, not yet finished
  int64_t completed = 0;     // finished (any outcome)
  int64_t shed = 0;          // refused because the queue was full
  int sync_threads = 0;
  int sync_max = 0;
  int async_loops = 0;
  double last_progress_age_s = 0;  // since the last job started or finished
};

class WorkerPool {
 public:
  WorkerPool();
  ~WorkerPool();
  void Start(const PoolSettings& settings, uv_loop_s* loop);  // JS thread, GIL not held
  void Stop();                                                // JS thread

  // JS thread. False (record dropped) when the queue is full: answer 503.
  // Accepted records are staged and handed to the workers together just
  // before the JS event loop next waits for I/O: one lock and at most one
  // wake-up per worker for everything that arrived in one loop turn.
  bool Submit(std::unique_ptr<RequestRecord> record);
  void Flush();

  // JS thread: request `id` timed out or its client left; cancel it if it is
  // suspended in an asyncio loop (a running `def` handler cannot be interrupted).
  void Cancel(uint32_t id);

  // An asyncio loop thread (GIL held): run a `def` piece of an async chain
  // on the sync pool (sync_pool.h SyncJob).
  void PushSyncCall(SyncJob&& job);

  // A sync worker between two jobs, GIL released: when an asyncio loop has
  // requests waiting, give it up to `limit` to take the GIL first. CPython's
  // GIL is not fair -- a thread that drops it usually takes it straight
  // back -- and a loop would wait a whole switch interval (5 ms) per turn
  // behind a busy `def` handler.
  void YieldToLoops(std::chrono::microseconds limit);

  WorkerStats Stats() const;

  // Worker-side bookkeeping.
  void OnStarted();
  void OnFinished();

  // For the inline runner (JS thread): nothing queued, staged or running
  // anywhere; the loop an inline first step belongs to; a request taken
  // inline starts without having been queued.
  bool Idle() const;
  AsyncLoop* InlineLoop() const { return loops_.empty() ? nullptr : loops_[0].get(); }
  void OnStartedInline();

 private:
  void Progress();

  PoolSettings settings_;
  std::vector<std::unique_ptr<RequestRecord>> staged_;  // JS thread only
  uv_prepare_s* flush_handle_ = nullptr;
  std::unique_ptr<SyncPool> sync_;
  std::vector<std::unique_ptr<AsyncLoop>> loops_;
  uint32_t next_loop_ = 0;
  std::atomic<int64_t> queued_{0};
  std::atomic<int64_t> inflight_{0};
  std::atomic<int64_t> completed_{0};
  std::atomic<int64_t> shed_{0};
  std::atomic<int64_t> last_progress_ns_{0};
};

WorkerPool& Workers();

}  // namespace siphon
