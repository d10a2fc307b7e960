// A native thread driving one asyncio event loop for `async def` handlers.
// The JS thread queues records and pokes an eventfd the loop watches with
// add_reader, so it never touches the GIL; the loop drains the queue in one
// callback and steps each handler's coroutine at once, creating a Task only
// for coroutines that actually suspend.
#pragma once
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

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
  void Wake();

  WorkerPool& pool_;
  const int index_;
  int wake_fd_ = -1;
  std::mutex mutex_;
  std::deque<std::unique_ptr<RequestRecord>> queue_;
  std::vector<uint32_t> cancel_requests_;                // guarded by mutex_
  std::unordered_map<uint32_t, PyObject*> suspended_;    // request id -> Task (owned); loop thread only
  std::unordered_set<uint32_t> cancelled_;               // loop thread only
  bool wake_pending_ = false;
  bool stopping_ = false;
  std::thread thread_;
  PyObject* create_task_ = nullptr;  // bound loop.create_task, loop thread only
  PyObject* call_soon_ = nullptr;    // bound loop.call_soon, loop thread only
};

// Registers the PendingResponse type and caches siphon._worker helpers. GIL held.
bool InitAsyncLoops(PyObject* native_module);

}  // namespace siphon
