#include "sync_pool.h"

#include <string>

#include "worker_pool.h"
#include "handler_result.h"
#include "host_log.h"
#include "py_request.h"
#include "script_generation.h"
#include "thread_setup.h"

namespace siphon {

SyncPool::SyncPool(WorkerPool& pool, int core, int max) : pool_(pool), max_(max) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (int i = 0; i < core; i++) SpawnLocked();
}

SyncPool::~SyncPool() { Stop(); }

void SyncPool::SpawnLocked() {
  try {
    workers_.emplace_back([this] { WorkerMain(); });
    spawning_++;
  } catch (const std::system_error& error) {
    LogToHost(LogLevel::kError, "siphon.workers",
              std::string("cannot start another sync worker thread: ") + error.what());
  }
}

void SyncPool::PushBatch(std::vector<std::unique_ptr<RequestRecord>>& records) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& record : records) queue_.push_back(SyncJob{std::move(record), PyRef(), PyRef(), PyRef()});
  GrowLocked();
  if (records.size() == 1) {
    wake_.notify_one();
  } else {
    wake_.notify_all();
  }
}

void SyncPool::PushCall(SyncJob&& job) {
  std::lock_guard<std::mutex> lock(mutex_);
  queue_.push_back(std::move(job));
  GrowLocked();
  wake_.notify_one();
}

// Grow only while jobs outnumber idle threads: blocking handlers occupy
// every thread, and the next job would otherwise wait behind them.
void SyncPool::GrowLocked() {
  while (static_cast<int>(queue_.size()) > idle_ + spawning_ && static_cast<int>(workers_.size()) < max_) {
    const size_t before = workers_.size();
    SpawnLocked();
    if (workers_.size() == before) break;  // the system refused a thread (logged): no busy loop
  }
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
  // A worker stuck in a handler cannot be interrupted; leave it to process exit.
  for (std::thread& worker : workers) worker.detach();
}

void SyncPool::WorkerMain() {
  BlockAsyncSignalsInThisThread();
  PyGILState_STATE registered = PyGILState_Ensure();
  PyThreadState* state = PyEval_SaveThread();
  bool started = false;
  for (;;) {
    SyncJob job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      if (!started) {
        started = true;
        if (spawning_ > 0) spawning_--;
      }
      idle_++;
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      idle_--;
      if (stopping_) break;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    PyEval_RestoreThread(state);
    Run(job);
    state = PyEval_SaveThread();
  }
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
