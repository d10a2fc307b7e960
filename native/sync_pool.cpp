#include "sync_pool.h"

#include <pthread.h>
#include <time.h>

#include <algorithm>
#include <string>

#include "worker_pool.h"
#include "handler_result.h"
#include "host_log.h"
#include "py_request.h"
#include "script_generation.h"
#include "thread_setup.h"

namespace siphon {

SyncPool::SyncPool(WorkerPool& pool, int core, int max, int parallel)
    : pool_(pool), max_(max), max_runners_(parallel < 1 ? 1 : parallel) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (int i = 0; i < core; i++) SpawnLocked(Role::kIdle);
}

SyncPool::~SyncPool() { Stop(); }

void SyncPool::SpawnLocked(Role role) {
  try {
    workers_.emplace_back([this, role] { WorkerMain(role); });
  } catch (const std::system_error& error) {
    LogToHost(LogLevel::kError, "siphon.workers",
              std::string("cannot start another sync worker thread: ") + error.what());
  }
}

void SyncPool::PushBatch(std::vector<std::unique_ptr<RequestRecord>>& records) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& record : records) queue_.push_back(SyncJob{std::move(record), PyRef(), PyRef(), PyRef()});
  WakeLocked();
}

void SyncPool::PushCall(SyncJob&& job) {
  std::lock_guard<std::mutex> lock(mutex_);
  queue_.push_back(std::move(job));
  WakeLocked();
}

// Who runs queued work. With a GIL only one thread runs Python at a time, so
// one runner drains the queue, job after job; threads handing the GIL around
// per job cost more than the jobs. A runner stuck in a handler -- blocked in
// I/O or a sleep, which releases the GIL -- must not hold up the queue, so one
// spare watches: when the queue has made no progress for kSpareWait, the
// spare runs too, and a new spare watches. Blocking handlers so end up side
// by side, the pool growing (never shrinking) while every thread is busy.
// On a free-threaded build as many runners as CPUs start at once.
void SyncPool::WakeLocked() {
  if (queue_.empty() || stopping_) return;
  if (runners_ + waking_runners_ < max_runners_) {
    Signal(Role::kRunner);
  } else if (spares_ == 0) {
    Signal(Role::kSpare);
  }
}

void SyncPool::Signal(Role role) {
  (role == Role::kRunner ? waking_runners_ : spares_)++;
  if (idle_ > 0) {
    idle_--;
    roles_.push_back(role);
    wake_.notify_one();
  } else if (static_cast<int>(workers_.size()) < max_) {
    SpawnLocked(role);
  } else {
    (role == Role::kRunner ? waking_runners_ : spares_)--;  // every thread is busy: the job waits
  }
}

int64_t SyncPool::RunnersCpuNs() const {
  int64_t total = 0;
  for (clockid_t clock : runner_clocks_) {
    timespec now;
    if (clock_gettime(clock, &now) == 0) total += static_cast<int64_t>(now.tv_sec) * 1000000000 + now.tv_nsec;
  }
  return total;
}

int SyncPool::threads() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<int>(workers_.size());
}

void SyncPool::Stop() {
  std::vector<std::thread> workers;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
    workers.swap(workers_);
  }
  wake_.notify_all();
  spare_wake_.notify_all();
  // A worker stuck in a handler cannot be interrupted; leave it to process exit.
  for (std::thread& worker : workers) worker.detach();
}

void SyncPool::WorkerMain(Role role) {
  BlockAsyncSignalsInThisThread();
  PyGILState_STATE registered = PyGILState_Ensure();
  PyThreadState* state = PyEval_SaveThread();
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    if (role == Role::kIdle) {
      idle_++;
      wake_.wait(lock, [this] { return stopping_ || !roles_.empty(); });
      if (stopping_) break;
      role = roles_.front();
      roles_.pop_front();
    }
    if (role == Role::kSpare) {
      // Watch the queue: step in only when it stopped moving because the
      // runners are blocked, not because they are computing (then another
      // thread would only take turns with them for the GIL).
      const uint64_t seen = taken_;
      const int64_t cpu_before = RunnersCpuNs();
      const auto since = std::chrono::steady_clock::now();
      spare_wake_.wait_for(lock, kSpareWait, [&] { return stopping_ || queue_.empty() || taken_ != seen; });
      if (stopping_) break;
      if (queue_.empty()) {
        spares_--;
        role = Role::kIdle;
        continue;
      }
      if (taken_ != seen) continue;  // still moving: keep watching
      const int64_t busy = RunnersCpuNs() - cpu_before;
      const int64_t window = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - since).count();
      if (busy * 2 >= window * max_runners_) continue;
      spares_--;
      waking_runners_++;
      role = Role::kRunner;
    }
    // A runner: take jobs until the queue is empty, releasing the GIL between
    // jobs so an asyncio loop waiting for it gets its turn.
    waking_runners_--;
    runners_++;
    clockid_t clock;
    const bool timed = pthread_getcpuclockid(pthread_self(), &clock) == 0;
    if (timed) runner_clocks_.push_back(clock);
    WakeLocked();  // a spare for this runner
    while (!queue_.empty() && !stopping_) {
      SyncJob job = std::move(queue_.front());
      queue_.pop_front();
      taken_++;
      lock.unlock();
      PyEval_RestoreThread(state);
      Run(job);
      state = PyEval_SaveThread();
      pool_.YieldToLoops(kLoopTurn);
      lock.lock();
    }
    if (timed) runner_clocks_.erase(std::find(runner_clocks_.begin(), runner_clocks_.end(), clock));
    runners_--;
    role = Role::kIdle;
  }
  lock.unlock();
  PyEval_RestoreThread(state);
  PyGILState_Release(registered);
}

void SyncPool::Run(SyncJob& job) {
  if (job.request) {
    pool_.OnStarted();
    RunSyncHandler(std::move(job.request));
    pool_.OnFinished();
    return;
  }
  // A piece of an async chain: its request is counted on its loop. The
  // result (or the exception) goes back to the loop that awaits it.
  DrainDeferredDecrefs();
  PyRef result = PyRef::Steal(PyObject_CallObject(job.call.get(), job.args.get()));
  PyObject* error = nullptr;
  if (!result) {
    PyObject *type, *traceback;
    PyErr_Fetch(&type, &error, &traceback);
    PyErr_NormalizeException(&type, &error, &traceback);
    if (error && traceback) PyException_SetTraceback(error, traceback);
    Py_XDECREF(type);
    Py_XDECREF(traceback);
  }
  PyRef raised = PyRef::Steal(error);
  PyRef settled = PyRef::Steal(PyObject_CallFunctionObjArgs(job.settle.get(), result ? result.get() : Py_None,
                                                              raised ? raised.get() : Py_None, nullptr));
  if (!settled) {
    // The loop is gone (shutdown): nobody waits for this result.
    PyErr_Clear();
  }
  // Dropped here, with the GIL: the job's references end on this thread.
  job = SyncJob();
}

void RunSyncHandler(std::unique_ptr<RequestRecord> record) {
  DrainDeferredDecrefs();
  const uint32_t id = record->id;
  // The record keeps the generation (and so `route`) alive; the Request
  // object owns the record until `request` is dropped below.
  const RouteHandler& route = record->script->routes[record->route];
  PyRef request = PyRef::Steal(NewRequest(std::move(record), &route));
  if (!request) {
    FinishRequest(id, route, Py_None, nullptr);
    return;
  }
  // Each request gets its own contextvars context, as an asyncio Task would.
  PyRef context = PyRef::Steal(PyContext_CopyCurrent());
  if (!context || PyContext_Enter(context.get()) < 0) {
    FinishRequest(id, route, request.get(), nullptr);
    return;
  }
  PyRef result = PyRef::Steal(PyObject_CallOneArg(route.callable, request.get()));
  FinishRequest(id, route, request.get(), result.get());
  PyContext_Exit(context.get());
}

}  // namespace siphon
