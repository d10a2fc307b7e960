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
#include <vector>

#include "py_ref.h"
#include "records.h"

namespace siphon {

class Dispatcher;

class AsyncLoop {
 public:
  AsyncLoop(Dispatcher& dispatcher, int index);
  ~AsyncLoop();
  void PushBatch(std::vector<std::unique_ptr<RequestRecord>>& records);  // JS thread, no GIL
  void Stop();

  // Called by Python on the loop thread when the eventfd is readable.
  void Drain();
  void Finished() ;

 private:
  void ThreadMain();
  void Run(std::unique_ptr<RequestRecord> record);

  Dispatcher& dispatcher_;
  const int index_;
  int wake_fd_ = -1;
  std::mutex mutex_;
  std::deque<std::unique_ptr<RequestRecord>> queue_;
  bool wake_pending_ = false;
  bool stopping_ = false;
  std::thread thread_;
  PyObject* create_task_ = nullptr;  // bound loop.create_task, loop thread only
};

// Registers the PendingResponse type and caches siphon._worker helpers. GIL held.
bool InitAsyncLoops(PyObject* native_module);

}  // namespace siphon
