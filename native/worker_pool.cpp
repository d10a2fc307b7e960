#include "worker_pool.h"

#include <uv.h>

#include <chrono>
#include <thread>

#include "async_loop.h"
#include "script_generation.h"
#include "sync_pool.h"

namespace siphon {
namespace {
int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

WorkerPool& Workers() {
  static WorkerPool* pool = new WorkerPool();  // worker threads may outlive exit-time destructors
  return *pool;
}

WorkerPool::WorkerPool() = default;
WorkerPool::~WorkerPool() = default;

void WorkerPool::Start(const PoolSettings& settings, uv_loop_t* loop) {
  settings_ = settings;
  flush_handle_ = new uv_prepare_t;
  flush_handle_->data = this;
  uv_prepare_init(loop, flush_handle_);
  uv_prepare_start(flush_handle_, [](uv_prepare_t* handle) { static_cast<WorkerPool*>(handle->data)->Flush(); });
  uv_unref(reinterpret_cast<uv_handle_t*>(flush_handle_));  // must not keep Node alive by itself
  last_progress_ns_.store(NowNs());
  sync_ = std::make_unique<SyncPool>(*this, settings.sync_pool_size, settings.sync_pool_max, settings.sync_parallel);
  for (int i = 0; i < settings.async_pool_size; i++) loops_.push_back(std::make_unique<AsyncLoop>(*this, i));
}

void WorkerPool::Stop() {
  Flush();
  // Threads are told to stop but the pool objects stay: a thread still inside
  // a handler will touch them when it returns.
  if (sync_) sync_->Stop();
  for (auto& loop : loops_) loop->Stop();
}

bool WorkerPool::Submit(std::unique_ptr<RequestRecord> record) {
  if (queued_.load(std::memory_order_relaxed) >= settings_.queue_capacity) {
    shed_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  queued_.fetch_add(1, std::memory_order_relaxed);
  staged_.push_back(std::move(record));
  return true;
}

void WorkerPool::Flush() {
  if (staged_.empty()) return;
  std::vector<std::unique_ptr<RequestRecord>> sync_batch;
  std::vector<std::vector<std::unique_ptr<RequestRecord>>> loop_batches(loops_.size());
  for (auto& record : staged_) {
    const bool is_async = record->script->routes[record->route].is_async;
    if (is_async && !loops_.empty()) {
      loop_batches[next_loop_++ % loops_.size()].push_back(std::move(record));
    } else {
      sync_batch.push_back(std::move(record));
    }
  }
  staged_.clear();
  if (!sync_batch.empty()) sync_->PushBatch(sync_batch);
  for (size_t i = 0; i < loops_.size(); i++) {
    if (!loop_batches[i].empty()) loops_[i]->PushBatch(loop_batches[i]);
  }
}

void WorkerPool::Cancel(uint32_t id) {
  // The JS side does not know which loop got the request; with a GIL there is
  // one loop, and asking the others is a no-op.
  // Flushing first puts a request still staged here in its loop's queue ahead
  // of the cancel, so the loop never sees the cancel before the request.
  Flush();
  for (auto& loop : loops_) loop->Cancel(id);
}

void WorkerPool::PushSyncCall(SyncJob&& job) { sync_->PushCall(std::move(job)); }

void WorkerPool::YieldToLoops(std::chrono::microseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    bool waiting = false;
    for (auto& loop : loops_) waiting = waiting || loop->Waiting();
    if (!waiting || std::chrono::steady_clock::now() >= deadline) return;
    std::this_thread::yield();
  }
}

void WorkerPool::Progress() { last_progress_ns_.store(NowNs(), std::memory_order_relaxed); }

void WorkerPool::OnStarted() {
  queued_.fetch_sub(1, std::memory_order_relaxed);
  inflight_.fetch_add(1, std::memory_order_relaxed);
  Progress();
}

bool WorkerPool::Idle() const {
  return staged_.empty() && queued_.load(std::memory_order_relaxed) == 0 && inflight_.load(std::memory_order_relaxed) == 0;
}

void WorkerPool::OnStartedInline() {
  inflight_.fetch_add(1, std::memory_order_relaxed);
  Progress();
}

void WorkerPool::OnFinished() {
  inflight_.fetch_sub(1, std::memory_order_relaxed);
  completed_.fetch_add(1, std::memory_order_relaxed);
  Progress();
}

WorkerStats WorkerPool::Stats() const {
  WorkerStats stats;
  stats.queued = queued_.load();
  stats.inflight = inflight_.load();
  stats.completed = completed_.load();
  stats.shed = shed_.load();
  stats.sync_threads = sync_ ? sync_->threads() : 0;
  stats.sync_max = settings_.sync_pool_max;
  stats.async_loops = static_cast<int>(loops_.size());
  stats.last_progress_age_s = static_cast<double>(NowNs() - last_progress_ns_.load()) / 1e9;
  return stats;
}

}  // namespace siphon
