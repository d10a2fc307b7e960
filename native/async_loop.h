// A native thread driving one asyncio event loop for `async def` handlers.
// The JS thread queues records and pokes an eventfd the loop watches with
// add_reader, so it never touches the GIL; the loop drains the queue in one
// callback and steps each handler's coroutine at once, creating a Task only
// for coroutines that actually suspend.
#pragma once
#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "handler_step.h"
#include "py_ref.h"
#include "request_record.h"

namespace siphon {

class WorkerPool;

class AsyncLoop {
 public:
  AsyncLoop(WorkerPool& pool, int index);
  ~AsyncLoop();
  void PushBatch(std::vector<std::unique_ptr<RequestRecord>>& records);  // JS thread, no GIL
  void Stop();

  // JS thread, GIL held: a handler that suspended in its first step, taken
  // inline (inline_runner.cpp) with this loop as its running loop.
  void PushSuspended(SuspendedHandler&& handler);

  // The asyncio loop object, once the thread has created it (else null).
  // The JS thread makes it its own running loop for inline first steps.
  PyObject* loop_object() const { return ready_.load(std::memory_order_acquire) ? loop_object_ : nullptr; }

  // JS thread, GIL held, after an inline first step: wake the loop if the
  // step scheduled a callback or a timer on it (its poll would not notice).
  void WakeIfScheduled(Py_ssize_t timers_before);
  Py_ssize_t ScheduledTimers();

  // Called by Python on the loop thread once the loop exists.
  void Started(PyObject* loop);

  // Requests are queued for this loop and it has not picked them up yet:
  // it is waking, or waiting for the GIL (sync_pool.cpp yields it).
  bool Waiting() const { return waiting_.load(std::memory_order_relaxed); }

  // JS thread: nobody waits for the answer any more (the client got its 504,
  // or went away); cancel the request's Task if it is suspended on this loop.
  void Cancel(uint32_t id);

  // Called by Python on the loop thread when the eventfd is readable.
  void Drain();

  // Loop thread: a suspended request's Task finished (PendingResponse).
  void TaskDone(uint32_t id);
  bool WasCancelled(uint32_t id) const;
  void Finished();  // a request left Python (worker pool accounting)

 private:
  void ThreadMain();
  void Run(std::unique_ptr<RequestRecord> record);
  void Suspend(SuspendedHandler&& handler);
  void Wake();

  WorkerPool& pool_;
  const int index_;
  int wake_fd_ = -1;
  std::mutex mutex_;
  std::deque<std::unique_ptr<RequestRecord>> queue_;
  std::deque<SuspendedHandler> suspended_queue_;         // guarded by mutex_; moved out with the GIL
  std::vector<uint32_t> cancel_requests_;                // guarded by mutex_
  std::unordered_map<uint32_t, PyObject*> suspended_;    // request id -> Task (owned); loop thread only
  std::unordered_set<uint32_t> cancelled_;               // loop thread only
  bool wake_pending_ = false;
  std::atomic<bool> waiting_{false};  // mirrors wake_pending_ for lock-free reads
  bool stopping_ = false;
  std::thread thread_;
  PyObject* loop_object_ = nullptr;  // owned; set once before ready_
  std::atomic<bool> ready_{false};
  PyObject* create_task_ = nullptr;  // bound loop.create_task, loop thread only
  PyObject* call_soon_ = nullptr;    // bound loop.call_soon, loop thread only
};

// Registers the PendingResponse type and caches siphon._worker helpers. GIL held.
bool InitAsyncLoops(PyObject* native_module);

}  // namespace siphon
